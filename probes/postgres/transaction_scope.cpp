#include "probes/postgres/transaction_scope.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>

namespace opsagent::probes {

namespace {

std::string ms_setting(config::Duration d) {
  return std::to_string(d.count()) + "ms";
}

}  // namespace

PipelineStatement transaction_settings(const config::DatabaseSection& database, bool user_sql) {
  std::string sql =
      "SELECT pg_catalog.set_config('statement_timeout', $1, true),"
      " pg_catalog.set_config('lock_timeout', $2, true),"
      " pg_catalog.set_config('transaction_read_only', 'on', true),"
      " pg_catalog.pg_backend_pid()";
  // A NULL value is set_config's RESET: the session's default, read without building the
  // pg_settings view (~1 ms of backend CPU per segment).
  if (user_sql) sql += ", pg_catalog.set_config('plan_cache_mode', NULL, true)";
  return PipelineStatement{
      std::move(sql),
      {ms_setting(database.statement_timeout), ms_setting(database.lock_timeout)},
      false};
}

PipelineStatement session_settings(const config::DatabaseSection& database) {
  return PipelineStatement{
      "SELECT pg_catalog.set_config('statement_timeout', $1, false),"
      " pg_catalog.set_config('lock_timeout', $2, false),"
      " pg_catalog.set_config('default_transaction_read_only', 'on', false),"
      " pg_catalog.set_config('plan_cache_mode', 'force_generic_plan', false)",
      {ms_setting(database.statement_timeout), ms_setting(database.lock_timeout)},
      true};
}

PipelineStatement rollback_statement() {
  return PipelineStatement{"ROLLBACK", {}, false};
}

std::vector<PipelineStatement> scoped_segment(const config::DatabaseSection& database,
                                              std::vector<PipelineStatement> body, bool roll_back) {
  std::vector<PipelineStatement> segment;
  segment.reserve(body.size() + 2);
  segment.push_back(transaction_settings(database, roll_back));
  for (auto& statement : body) {
    statement.sync_after = false;
    segment.push_back(std::move(statement));
  }
  if (roll_back) segment.push_back(rollback_statement());
  segment.back().sync_after = true;
  return segment;
}

std::vector<PipelineStatement> probe_segment(const config::DatabaseSection& database,
                                             std::vector<PipelineStatement> body, bool owned) {
  if (!owned || body.empty()) return scoped_segment(database, std::move(body), false);
  for (auto& statement : body) {
    statement.sync_after = false;
    statement.prepared = true;
  }
  body.back().sync_after = true;
  return body;
}

std::optional<bool> serves_through_pooler(const pg_result* settings_result,
                                          const PgConnection& connection) {
  if (PQresultStatus(settings_result) != PGRES_TUPLES_OK || PQntuples(settings_result) != 1 ||
      PQnfields(settings_result) != 4 || PQgetisnull(settings_result, 0, 3)) {
    return std::nullopt;
  }
  const char* text = PQgetvalue(settings_result, 0, 3);
  int pid = 0;
  const auto [end, ec] = std::from_chars(text, text + std::strlen(text), pid);
  if (ec != std::errc{} || *end != '\0') return std::nullopt;
  return pid != connection.announced_pid();
}

}  // namespace opsagent::probes
