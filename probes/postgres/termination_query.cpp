#include "probes/postgres/termination_query.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "common/text/utf8.hpp"
#include "probes/postgres/schema_check.hpp"
#include "probes/postgres/transaction_scope.hpp"

namespace opsagent::probes {

namespace {

// Every condition is checked here again, on the server's own view at the moment of terminating:
// what the cycle's activity statement saw a moment ago may have changed (the transaction ended,
// the pool emptied). $1 role, $2 terminate_after in seconds, $3 LIKE patterns of the terminable
// clients, $4 the count of client backends (the agent's not counted) at which pool.warn is
// reached, $5 dry run, $6 LIKE patterns of the clients through PgBouncer: a session matching one
// of those may be PgBouncer's server connection, so it is never terminated, whichever client
// its name matches first. pg_stat_activity is read once per transaction, so both uses of it
// agree.
constexpr const char* kTerminationSql = R"sql(
WITH pressure AS (
  SELECT count(*)::int AS used FROM pg_catalog.pg_stat_activity a
  WHERE a.backend_type = 'client backend' AND a.pid <> pg_catalog.pg_backend_pid()
), victims AS MATERIALIZED (
  SELECT a.pid, coalesce(a.application_name, '') AS app, a.usename::text AS usr,
         extract(epoch FROM now() - a.state_change)::float8 AS age,
         extract(epoch FROM a.state_change)::float8 AS since
  FROM pg_catalog.pg_stat_activity a
  JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid
  WHERE a.pid <> pg_catalog.pg_backend_pid()
    AND a.backend_type = 'client backend'
    AND a.usename::text = $1::text
    AND NOT r.rolsuper
    AND a.state IN ('idle in transaction', 'idle in transaction (aborted)')
    AND a.state_change < now() - pg_catalog.make_interval(secs => $2::float8)
    AND a.application_name LIKE ANY ($3::text[])
    AND NOT a.application_name LIKE ANY ($6::text[])
    AND (SELECT p.used FROM pressure p) >= $4::int
)
SELECT v.pid, v.app, v.usr, v.age, v.since,
       CASE WHEN $5::bool THEN false ELSE pg_catalog.pg_terminate_backend(v.pid) END
FROM victims v
ORDER BY v.age DESC)sql";

constexpr int kColumns = 6;

template <class T>
std::optional<T> number(const pg_result* r, int row, int col) {
  if (PQgetisnull(r, row, col)) return std::nullopt;
  const char* text = PQgetvalue(r, row, col);
  const char* end = text + std::strlen(text);
  T value{};
  const auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

std::vector<std::string> pooled_patterns(const config::PoolSection& pool) {
  std::vector<std::string> out;
  for (const auto& c : pool.clients) {
    if (c.via_pgbouncer) out.push_back(glob_to_like(c.application_name));
  }
  return out;
}

}  // namespace

std::optional<PipelineStatement> termination_statement(const config::PoolSection& pool,
                                                       int usable_slots, int max_connections) {
  const auto threshold = warn_reached_at(pool.warn, usable_slots, max_connections);
  if (!threshold) return std::nullopt;
  const double after_s = static_cast<double>(pool.terminate_after.count()) / 1000;
  return PipelineStatement{
      kTerminationSql,
      {pool.terminate_role, fmt::format("{}", after_s),
       text_array_literal(terminable_patterns(pool)), std::to_string(*threshold),
       pool.terminate_idle_in_transaction == TerminateMode::on ? "false" : "true",
       text_array_literal(pooled_patterns(pool))},
      false};
}

std::expected<std::vector<Termination>, std::string> read_terminations(
    const pg_result* result, const config::PoolSection& pool) {
  if (PQresultStatus(result) != PGRES_TUPLES_OK || PQnfields(result) != kColumns) {
    return std::unexpected("the termination statement returned an unexpected shape");
  }
  std::vector<Termination> out;
  for (int i = 0; i < PQntuples(result); ++i) {
    Termination t;
    const auto pid = number<int>(result, i, 0);
    if (!pid) return std::unexpected("the termination statement returned a pid that is no number");
    t.pid = *pid;
    const std::string app = PQgetvalue(result, i, 1);
    t.client = client_of_session(pool, app);
    t.application_name = common::printable(app);
    t.role = common::printable(PQgetvalue(result, i, 2));
    t.age_s = std::max(0.0, number<double>(result, i, 3).value_or(0));
    t.state_change_epoch = number<double>(result, i, 4).value_or(0);
    t.mode = pool.terminate_idle_in_transaction;
    t.terminated = std::string_view(PQgetvalue(result, i, 5)) == "t";
    out.push_back(std::move(t));
  }
  return out;
}

std::optional<TerminationRound> run_termination(std::optional<PgConnection>& connection,
                                                bool via_pooler, const config::Config& config,
                                                const ActivitySnapshot& activity,
                                                const PoolReport& pool, Deadline deadline,
                                                const std::string& secret) {
  const auto& p = config.pool;
  if (p.terminate_idle_in_transaction == TerminateMode::off) return std::nullopt;
  if (via_pooler) {
    // A pooler's server connection idle in a transaction is lent to some client mid-transaction:
    // ending it is not ending the app's session the agent saw.
    return TerminationRound{
        .sent = false,
        .sessions = {},
        .note =
            "nothing is terminated while the agent connects through a pooler (its sessions "
            "there are the pooler's server connections); point database.dsn_env at Postgres "
            "directly"};
  }
  if (!termination_due(activity, p, pool.level)) return std::nullopt;
  auto statement = termination_statement(p, activity.usable_slots, activity.max_connections);
  if (!statement) return std::nullopt;
  if (!connection) {
    return TerminationRound{.sent = false,
                            .sessions = {},
                            .note = "the connection failed before the termination's turn"};
  }
  auto results = connection->run_pipeline(
      scoped_segment(config.database, {std::move(*statement)}, false),
      std::min(deadline, SteadyClock::now() + config.statement_deadline()));
  if (!results) {
    connection.reset();  // its pipeline state is unknown: start afresh
    return TerminationRound{.sent = true,
                            .sessions = {},
                            .note = "the termination statement failed: " + results.error().message};
  }
  const pg_result* rows = (*results)[1].get();
  if (PQresultStatus(rows) != PGRES_TUPLES_OK) {
    return TerminationRound{
        .sent = true,
        .sessions = {},
        .note = "the termination statement failed: " + statement_failure(rows, secret).message};
  }
  auto sessions = read_terminations(rows, p);
  if (!sessions) return TerminationRound{.sent = true, .sessions = {}, .note = sessions.error()};
  return TerminationRound{.sent = true, .sessions = std::move(*sessions), .note = {}};
}

}  // namespace opsagent::probes
