#include "probes/postgres/query_reads.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "common/text/utf8.hpp"

namespace opsagent::probes {

QueryReport QueryRead::fresh(const config::CustomQuery& query) {
  QueryReport r;
  r.name = query.name;
  return r;
}

std::vector<PipelineStatement> QueryRead::statements(const config::CustomQuery& query,
                                                     const config::Config& config) {
  return {app_settings_statement(config.readiness), PipelineStatement{query.sql, {}, false}};
}

std::expected<void, std::string> QueryRead::read(const pg_result* r, QueryReport& report) {
  if (PQntuples(r) != 1) {
    return std::unexpected(fmt::format(
        "the query returned {} rows; it must return exactly one (aggregate, or add LIMIT 1)",
        PQntuples(r)));
  }
  const int fields = PQnfields(r);
  if (fields == 0 || static_cast<std::size_t>(fields) > QueryReport::kMaxColumns) {
    return std::unexpected(fmt::format("the query returned {} columns; it must return 1 to {}",
                                       fields, QueryReport::kMaxColumns));
  }
  std::vector<QueryColumn> columns;
  for (int i = 0; i < fields; ++i) {
    const std::string name = common::cut_chars(common::printable(PQfname(r, i)), 63);
    if (name == "?column?") {
      return std::unexpected(fmt::format(
          "column {} has no name; name every column with AS, e.g. count(*) AS entries", i + 1));
    }
    QueryColumn column{.name = name, .value = std::nullopt};
    if (!PQgetisnull(r, 0, i)) {
      const char* text = PQgetvalue(r, 0, i);
      const char* end = text + std::strlen(text);
      double value = 0;
      const auto [ptr, ec] = std::from_chars(text, end, value);
      if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
        return std::unexpected(fmt::format(
            "column {} is not a number (\"{}\"); cast it, e.g. extract(epoch FROM ...) for an "
            "age, or count(*) for rows",
            name, common::cut_chars(common::printable(text), 40)));
      }
      column.value = value;
    }
    columns.push_back(std::move(column));
  }
  report.columns = std::move(columns);
  return {};
}

CheckResult QueryRead::judge(const QueryReport& report, const config::CustomQuery& query,
                             SteadyClock::time_point /*now*/) {
  return judge_query(report, query);
}

}  // namespace opsagent::probes
