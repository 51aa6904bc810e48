#include "probes/postgres/lock_query.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <string_view>

#include "common/text/sql_text.hpp"

namespace opsagent::probes {

namespace {

// Waiters are the sessions in a Lock wait; their blockers come from pg_blocking_pids(), which
// also names the sessions queued ahead with a conflicting request (an ALTER TABLE waiting for
// its AccessExclusiveLock blocks every later reader). The statement text is cut on the server so
// a long one never crosses the wire whole. Relations of another database cannot be named here:
// they are shown by oid.
constexpr const char* kLockTreeSql = R"sql(
WITH waiting AS (
  SELECT a.pid, pg_catalog.pg_blocking_pids(a.pid) AS blockers
  FROM pg_catalog.pg_stat_activity a
  WHERE a.wait_event_type = 'Lock' AND a.pid <> pg_catalog.pg_backend_pid()
), involved AS (
  SELECT w.pid FROM waiting w
  UNION
  SELECT b.pid FROM waiting w, unnest(w.blockers) AS b(pid)
)
SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.backend_type, ''),
       coalesce(a.state, ''),
       extract(epoch FROM now() - a.state_change)::float8,
       extract(epoch FROM now() - a.xact_start)::float8,
       coalesce(l.mode, ''), coalesce(l.target, ''),
       extract(epoch FROM now() - l.waitstart)::float8,
       coalesce(left(a.query, 1024), ''),
       coalesce(array_to_string(w.blockers, ','), '')
FROM involved i
JOIN pg_catalog.pg_stat_activity a ON a.pid = i.pid
LEFT JOIN waiting w ON w.pid = i.pid
LEFT JOIN LATERAL (
  SELECT k.mode, k.waitstart,
         CASE WHEN k.locktype IN ('relation', 'tuple') AND k.database IS DISTINCT FROM
                   (SELECT d.oid FROM pg_catalog.pg_database d
                     WHERE d.datname = pg_catalog.current_database())
              THEN k.locktype || ' ' || k.relation || ' of another database'
              WHEN k.locktype = 'relation' THEN k.relation::regclass::text
              WHEN k.locktype = 'tuple' THEN 'a row of ' || k.relation::regclass::text
              WHEN k.locktype = 'transactionid'
              THEN 'a row (transaction ' || k.transactionid || ')'
              ELSE k.locktype END AS target
  FROM pg_catalog.pg_locks k WHERE k.pid = a.pid AND NOT k.granted LIMIT 1
) l ON w.pid IS NOT NULL
ORDER BY a.pid)sql";

constexpr int kColumns = 11;
constexpr std::size_t kStatementChars = 200;

std::optional<double> seconds(const pg_result* r, int row, int col) {
  if (PQgetisnull(r, row, col)) return std::nullopt;
  const char* text = PQgetvalue(r, row, col);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text, text + std::strlen(text), value);
  if (ec != std::errc{} || *ptr != '\0') return std::nullopt;
  return std::max(0.0, value);
}

std::optional<int> pid_of(std::string_view text) {
  int value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

PipelineStatement lock_tree_statement() {
  return PipelineStatement{kLockTreeSql, {}, false};
}

std::expected<std::vector<LockSession>, std::string> read_lock_sessions(const pg_result* result) {
  if (PQresultStatus(result) != PGRES_TUPLES_OK || PQnfields(result) != kColumns) {
    return std::unexpected("the blocking-tree statement returned an unexpected shape");
  }
  std::vector<LockSession> out;
  for (int i = 0; i < PQntuples(result); ++i) {
    LockSession s;
    const auto pid = pid_of(PQgetvalue(result, i, 0));
    if (!pid)
      return std::unexpected("the blocking-tree statement returned a pid that is no number");
    s.pid = *pid;
    s.application_name = PQgetvalue(result, i, 1);
    s.backend_type = PQgetvalue(result, i, 2);
    s.state = PQgetvalue(result, i, 3);
    s.state_age_s = seconds(result, i, 4);
    s.xact_age_s = seconds(result, i, 5);
    s.wait_mode = PQgetvalue(result, i, 6);
    s.wait_target = common::statement_for_display(PQgetvalue(result, i, 7), 80);
    s.wait_s = seconds(result, i, 8);
    s.query = common::statement_for_display(PQgetvalue(result, i, 9), kStatementChars);
    std::string_view blockers = PQgetvalue(result, i, 10);
    while (!blockers.empty()) {
      const auto comma = blockers.find(',');
      if (const auto b = pid_of(blockers.substr(0, comma))) s.blocked_by.push_back(*b);
      blockers = comma == std::string_view::npos ? std::string_view{} : blockers.substr(comma + 1);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace opsagent::probes
