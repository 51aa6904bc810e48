#include "probes/postgres/activity_query.hpp"

#include <libpq-fe.h>

#include <charconv>

namespace opsagent::probes {

namespace {

// One round trip: the slot settings joined with client sessions grouped by everything a
// breakdown needs, and the active ones by wait event (rows whose wtype is not NULL;
// pg_stat_activity is read once per transaction, so the second pass costs no second copy of the
// server's table). Grouping in SQL keeps the result small however many sessions there are.
// Cost per session is what the database pays every cycle (issue 18), hence: the function behind
// pg_stat_activity read directly with only the two joins used (the view joins more); the count
// of hidden sessions skipped when the role may see them all; now() - min(x) rather than
// max(now() - x); IN, not LIKE. Same 21 columns and rows as the view-based form
// (bench/results/activity_sql_study.sql).
constexpr const char* kActivitySql = R"sql(
WITH settings AS (
  SELECT pg_catalog.current_setting('max_connections')::int AS max_connections,
         pg_catalog.current_setting('superuser_reserved_connections')::int AS su_reserved,
         pg_catalog.current_setting('reserved_connections', true) AS reserved,
         (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
           OR pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS full_view,
         CASE WHEN pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') THEN 0
              ELSE (SELECT count(*) FROM pg_catalog.pg_stat_get_activity(NULL) h
                    WHERE h.backend_type IS NULL AND h.usesysid IS NOT NULL)::int END AS hidden,
         coalesce(pg_catalog.host(pg_catalog.inet_client_addr()), 'local') AS own_addr
), groups AS (
  SELECT coalesce(a.application_name, '') AS app,
         coalesce(r.rolname::text, '') AS usr,
         coalesce(d.datname::text, '') AS db,
         coalesce(pg_catalog.host(a.client_addr),
                  CASE WHEN a.client_port = -1 THEN 'local' ELSE '' END) AS addr,
         coalesce(a.state, '') AS state,
         coalesce(r.rolsuper, false) AS su,
         CASE WHEN GROUPING(a.wait_event_type) = 0 THEN coalesce(a.wait_event_type, '') END
           AS wtype,
         coalesce(a.wait_event, '') AS wevent,
         count(*)::int AS n,
         (count(*) FILTER (WHERE a.wait_event_type = 'Lock'))::int AS waiting,
         extract(epoch FROM now() - min(a.xact_start))::float8 AS oldest_xact,
         extract(epoch FROM now() - min(a.state_change)
                 FILTER (WHERE a.state IN ('idle in transaction', 'idle in transaction (aborted)')))::float8 AS oldest_iit,
         extract(epoch FROM now() - min(a.query_start)
                 FILTER (WHERE a.state = 'active'))::float8 AS longest_query,
         extract(epoch FROM now() - min(a.backend_start))::float8 AS oldest_backend,
         array_agg(extract(epoch FROM now() - a.state_change)::float8)
           FILTER (WHERE a.state IN ('idle in transaction', 'idle in transaction (aborted)')) AS iit_ages
  FROM pg_catalog.pg_stat_get_activity(NULL) a
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid
  LEFT JOIN pg_catalog.pg_database d ON d.oid = a.datid
  WHERE a.backend_type = 'client backend' AND a.pid <> pg_catalog.pg_backend_pid()
    AND a.pid IS DISTINCT FROM $1::int
  GROUP BY GROUPING SETS ((1, 2, 3, 4, 5, 6), (a.state, a.wait_event_type, a.wait_event))
  HAVING GROUPING(a.wait_event_type) = 1 OR a.state = 'active'
)
SELECT s.max_connections, s.su_reserved, s.reserved, s.full_view, s.hidden,
       g.app, g.usr, g.db, g.addr, g.state, g.n, g.waiting, g.oldest_xact, g.oldest_iit,
       g.longest_query, g.su, g.wtype, g.wevent,
       s.own_addr, g.oldest_backend, g.iit_ages
FROM settings s LEFT JOIN groups g ON true)sql";

constexpr int kColumns = 21;

// The pulse (activity_refresh.hpp). Every cycle: logins so far (pg_stat_database's counter,
// from shared memory: microseconds) and whether the role sees every session.
constexpr const char* kPulseSql = R"sql(
SELECT (SELECT coalesce(sum(pg_catalog.pg_stat_get_db_sessions(d.oid)), 0)
        FROM pg_catalog.pg_database d)::int8 AS sessions_started,
       pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS full_view)sql";
// Now and then, and with every full read, the status array too: one copy of it per transaction
// (what every look at pg_stat_activity pays first; 0.1 ms at 90 sessions, ~1 ms at 500), read
// through the pg_stat_get_backend_* functions without building a row per session.
// backend_start and xact_start are NULL for sessions of other roles without pg_read_all_stats:
// like the full read, that view cannot see their state anyway, and `visible` moves when the role
// is granted (or loses) the right to. Only sessions with a client count as in a transaction:
// autovacuum and background workers (client_port NULL) are not what the aggregate shows. OFFSET 0
// keeps the subquery whole, so each function runs once per backend rather than once per use.
constexpr const char* kStatusPulseSql = R"sql(
SELECT (SELECT coalesce(sum(pg_catalog.pg_stat_get_db_sessions(d.oid)), 0)
        FROM pg_catalog.pg_database d)::int8 AS sessions_started,
       pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS full_view,
       count(*)::int AS backends,
       coalesce(sum(x.pid), 0)::int8 AS pid_sum,
       coalesce(max(x.started)::text, '') AS newest_start,
       count(x.started)::int AS visible,
       (count(*) FILTER (WHERE x.in_xact AND x.pid <> pg_catalog.pg_backend_pid()
                           AND x.pid IS DISTINCT FROM $1::int
                           AND pg_catalog.pg_stat_get_backend_client_port(x.b) IS NOT NULL))::int
         AS in_transaction
FROM (SELECT b, pg_catalog.pg_stat_get_backend_pid(b) AS pid,
             pg_catalog.pg_stat_get_backend_start(b) AS started,
             pg_catalog.pg_stat_get_backend_xact_start(b) IS NOT NULL AS in_xact
      FROM pg_catalog.pg_stat_get_backend_idset() b
      OFFSET 0) x)sql";

template <class T>
std::optional<T> number(const PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col)) return std::nullopt;
  const char* text = PQgetvalue(r, row, col);
  const char* end = text + PQgetlength(r, row, col);
  T value{};
  auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

// A float8[] in Postgres's text form ("{1.5,20.25}"; empty when NULL): the ages the idle in
// transaction counts compare with the configured limit. Unreadable elements are skipped.
std::vector<double> parse_float_array(std::string_view text) {
  std::vector<double> out;
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return out;
  text = text.substr(1, text.size() - 2);
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    double v = 0;
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec == std::errc{} && ptr == item.data() + item.size()) out.push_back(v);
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
  }
  return out;
}

}  // namespace

PipelineStatement activity_statement(std::optional<int> leader_pid) {
  return PipelineStatement{
      kActivitySql,
      {leader_pid ? std::optional<std::string>(std::to_string(*leader_pid)) : std::nullopt},
      false};
}

PipelineStatement activity_pulse_statement(bool with_status, std::optional<int> leader_pid) {
  if (!with_status) return PipelineStatement{kPulseSql, {}, false};
  auto statement = activity_statement(leader_pid);
  statement.sql = kStatusPulseSql;
  return statement;
}

std::optional<ActivityPulse> read_activity_pulse(const pg_result* result) {
  const int columns = PQnfields(result);
  if (PQresultStatus(result) != PGRES_TUPLES_OK || (columns != 2 && columns != 7) ||
      PQntuples(result) != 1) {
    return std::nullopt;
  }
  auto sessions_started = number<std::int64_t>(result, 0, 0);
  if (!sessions_started) return std::nullopt;
  ActivityPulse pulse{.sessions_started = *sessions_started,
                      .full_view = std::string_view(PQgetvalue(result, 0, 1)) == "t",
                      .status = std::nullopt};
  if (columns == 2) return pulse;
  auto backends = number<int>(result, 0, 2);
  auto pid_sum = number<std::int64_t>(result, 0, 3);
  auto visible = number<int>(result, 0, 5);
  auto in_transaction = number<int>(result, 0, 6);
  if (!backends || !pid_sum || !visible || !in_transaction) return std::nullopt;
  pulse.status = BackendStatusPulse{.backends = *backends,
                                    .pid_sum = *pid_sum,
                                    .newest_start = PQgetvalue(result, 0, 4),
                                    .visible = *visible,
                                    .in_transaction = *in_transaction};
  return pulse;
}

std::expected<ActivitySnapshot, std::string> read_activity(const pg_result* result) {
  if (PQresultStatus(result) != PGRES_TUPLES_OK || PQnfields(result) != kColumns ||
      PQntuples(result) < 1) {
    return std::unexpected("pg_stat_activity query returned an unexpected shape");
  }
  std::vector<ActivityRow> rows;
  std::vector<WaitEventCount> waits;
  for (int i = 0; i < PQntuples(result); ++i) {
    auto n = number<int>(result, i, 10);
    if (!n) continue;  // the LEFT JOIN's empty side: no other sessions at all
    if (!PQgetisnull(result, i, 16)) {
      waits.push_back({PQgetvalue(result, i, 16), PQgetvalue(result, i, 17), *n});
      continue;
    }
    ActivityRow row;
    row.application_name = PQgetvalue(result, i, 5);
    row.user = PQgetvalue(result, i, 6);
    row.database = PQgetvalue(result, i, 7);
    row.client_addr = PQgetvalue(result, i, 8);
    row.state = PQgetvalue(result, i, 9);
    count_state(row.counts, row.state, *n);
    row.counts.waiting_on_locks = number<int>(result, i, 11).value_or(0);
    row.counts.oldest_xact_s = number<double>(result, i, 12);
    row.counts.oldest_idle_in_xact_s = number<double>(result, i, 13);
    row.counts.longest_query_s = number<double>(result, i, 14);
    row.superuser = std::string_view(PQgetvalue(result, i, 15)) == "t";
    row.oldest_backend_s = number<double>(result, i, 19);
    row.idle_in_xact_ages = parse_float_array(PQgetvalue(result, i, 20));
    rows.push_back(std::move(row));
  }
  ActivitySnapshot a = aggregate_activity(rows);
  a.wait_events = rank_wait_events(std::move(waits));
  a.rows = std::move(rows);
  auto max_connections = number<int>(result, 0, 0);
  auto su_reserved = number<int>(result, 0, 1);
  if (!max_connections || !su_reserved) {
    return std::unexpected("max_connections / superuser_reserved_connections are unreadable");
  }
  a.max_connections = *max_connections;
  a.superuser_reserved_connections = *su_reserved;
  a.reserved_connections = number<int>(result, 0, 2);
  a.usable_slots =
      a.max_connections - a.superuser_reserved_connections - a.reserved_connections.value_or(0);
  a.partial_view = std::string_view(PQgetvalue(result, 0, 3)) != "t";
  a.hidden_sessions = number<int>(result, 0, 4).value_or(0);
  a.own_client_addr = PQgetvalue(result, 0, 18);
  return a;
}

}  // namespace opsagent::probes
