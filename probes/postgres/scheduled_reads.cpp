#include "probes/postgres/scheduled_reads.hpp"

#include "probes/postgres/pg_connection.hpp"

namespace opsagent::probes {

PipelineStatement app_settings_statement(const config::ReadinessSection& readiness) {
  // Validated identifiers ([a-z_][a-z0-9_$]*) need no escaping; quoting them keeps them from
  // ever being read as keywords.
  std::string search_path;
  for (const auto& schema : readiness.search_path) {
    if (!search_path.empty()) search_path += ", ";
    search_path += "\"" + schema + "\"";
  }
  return PipelineStatement{
      "SELECT pg_catalog.set_config('search_path', $1, true),"
      " pg_catalog.set_config('TimeZone', 'UTC', true)",
      {std::move(search_path)},
      false};
}

ProbeFailure segment_failure(const std::vector<PgResultPtr>& results, std::size_t first,
                             std::size_t count, std::string_view secret) {
  const pg_result* failed = results[first + count - 1].get();
  for (std::size_t k = first; k < first + count; ++k) {
    const auto status = PQresultStatus(results[k].get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      failed = results[k].get();
      break;
    }
  }
  return statement_failure(failed, secret);
}

}  // namespace opsagent::probes
