// The [[queries]] runs of the probe cycle: each custom query runs at its own interval
// (scheduled_reads.hpp) after the app's search_path is set for its transaction, and its one row
// of named numeric columns is read into a QueryReport.
// Thread-safety: not thread-safe; owned by PostgresProbe (the probe loop's thread).
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "probes/model/query_report.hpp"
#include "probes/postgres/scheduled_reads.hpp"

namespace opsagent::probes {

struct QueryRead {
  using Watch = config::CustomQuery;
  using Report = QueryReport;
  static QueryReport fresh(const config::CustomQuery& query);
  static std::vector<PipelineStatement> statements(const config::CustomQuery& query,
                                                   const config::Config& config);
  // One row; every column named (not "?column?") and a number or NULL. An error names the
  // column and what to change in the query.
  static std::expected<void, std::string> read(const pg_result* row, QueryReport& report);
  static CheckResult judge(const QueryReport& report, const config::CustomQuery& query,
                           SteadyClock::time_point now);
};

using QueryReads = ScheduledReads<QueryRead>;

}  // namespace opsagent::probes
