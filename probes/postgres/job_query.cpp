#include "probes/postgres/job_query.hpp"

#include <libpq-fe.h>

#include <charconv>

#include <fmt/format.h>

#include "common/text/utf8.hpp"
#include "probes/postgres/scheduled_reads.hpp"

namespace opsagent::probes {

namespace {

// Validated identifiers ([a-z_][a-z0-9_$]*) need no escaping; quoting them keeps them from ever
// being read as keywords.
std::string quoted(const std::string& identifier) {
  return "\"" + identifier + "\"";
}

std::optional<long long> integer_at(const pg_result* r, int column) {
  if (PQgetisnull(r, 0, column)) return std::nullopt;
  const char* text = PQgetvalue(r, 0, column);
  long long value = 0;
  const auto* end = text + std::char_traits<char>::length(text);
  const auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::string text_at(const pg_result* r, int column, std::size_t max_chars) {
  if (PQgetisnull(r, 0, column)) return {};
  return common::cut_chars(common::printable(PQgetvalue(r, 0, column)), max_chars);
}

}  // namespace

std::vector<PipelineStatement> job_statements(const config::JobWatch& job,
                                              const config::ReadinessSection& readiness) {
  const std::string table = job.table.schema.empty()
                                ? quoted(job.table.table)
                                : quoted(job.table.schema) + "." + quoted(job.table.table);
  std::string sql = fmt::format(
      "WITH runs AS ("
      " SELECT {status}::text AS status, {started} AS started, {finished} AS finished,"
      " {error}::text AS error FROM {table} WHERE {job}::text = $1),"
      " latest_finished AS (SELECT status FROM runs WHERE finished IS NOT NULL"
      " ORDER BY finished DESC LIMIT 1),"
      " latest_started AS (SELECT started, finished FROM runs WHERE started IS NOT NULL"
      " ORDER BY started DESC LIMIT 1),"
      " recent AS (SELECT finished - started AS took, finished FROM runs"
      " WHERE status = $2 AND finished IS NOT NULL AND started IS NOT NULL"
      " ORDER BY finished DESC LIMIT {durations})"
      " SELECT"
      " (SELECT floor(extract(epoch FROM now() - max(finished)))::bigint FROM runs"
      " WHERE status = $2 AND finished IS NOT NULL),"
      " (SELECT status FROM latest_finished),"
      " (SELECT left(error, {error_chars}) FROM runs WHERE status = $3"
      " AND coalesce(finished, started) > now() - $4::bigint * interval '1 millisecond'"
      " ORDER BY coalesce(finished, started) DESC LIMIT 1),"
      " (SELECT floor(extract(epoch FROM now() - started))::bigint FROM latest_started"
      " WHERE finished IS NULL),"
      " (SELECT string_agg(round(extract(epoch FROM took) * 1000)::bigint::text, ','"
      " ORDER BY finished DESC) FROM recent),"
      " (SELECT count(*) FROM runs WHERE status = $3"
      " AND coalesce(finished, started) > now() - $4::bigint * interval '1 millisecond')",
      fmt::arg("status", quoted(job.status_column)),
      fmt::arg("started", quoted(job.started_column)),
      fmt::arg("finished", quoted(job.finished_column)),
      fmt::arg("error", quoted(job.error_column)), fmt::arg("table", table),
      fmt::arg("job", quoted(job.job_name_column)), fmt::arg("durations", JobReport::kDurations),
      // One character more than is kept: a longer error then ends in "…" (cut_chars), so a
      // reader knows it was cut.
      fmt::arg("error_chars", JobReport::kErrorChars + 1));
  return {
      app_settings_statement(readiness),
      PipelineStatement{
          std::move(sql),
          {job.job_name, job.success_value, job.failed_value, std::to_string(job.window.count())},
          false},
  };
}

std::expected<void, std::string> read_job_row(const pg_result* r, JobReport& report) {
  if (PQntuples(r) != 1 || PQnfields(r) != 6) {
    return std::unexpected(fmt::format("expected one row of 6 columns, got {} rows of {}",
                                       PQntuples(r), PQnfields(r)));
  }
  if (const auto age = integer_at(r, 0)) {
    report.last_success_age = std::chrono::seconds(std::max(0LL, *age));
  } else {
    report.last_success_age.reset();
  }
  report.last_status = text_at(r, 1, 40);
  report.last_error = text_at(r, 2, JobReport::kErrorChars);
  if (const auto running = integer_at(r, 3)) {
    report.running_for = std::chrono::seconds(std::max(0LL, *running));
  } else {
    report.running_for.reset();
  }
  report.last_durations.clear();
  if (!PQgetisnull(r, 0, 4)) {
    const std::string_view list = PQgetvalue(r, 0, 4);
    std::size_t from = 0;
    while (from <= list.size() && report.last_durations.size() < JobReport::kDurations) {
      const std::size_t comma = std::min(list.find(',', from), list.size());
      long long ms = 0;
      const auto [ptr, ec] = std::from_chars(list.data() + from, list.data() + comma, ms);
      if (ec == std::errc() && ptr == list.data() + comma) {
        report.last_durations.emplace_back(std::max(0LL, ms));
      }
      from = comma + 1;
    }
  }
  report.failures_in_window = static_cast<int>(integer_at(r, 5).value_or(0));
  return {};
}

}  // namespace opsagent::probes
