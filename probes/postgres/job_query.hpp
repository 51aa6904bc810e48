// The statement that reads one [[jobs]] entry's runs from the app's table, and the reading of
// its answer into a JobReport. One statement a job, run in its own read-only segment
// (transaction_scope.hpp) at the job's own interval, never every probe cycle. Table and column
// names come from the config as validated identifiers and are quoted; the job's name and status
// values travel as parameters. Timestamps without a time zone are read as UTC (the segment sets
// TimeZone for its own transaction only).
// Thread-safety: pure functions.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "probes/model/job_report.hpp"
#include "probes/postgres/pg_connection.hpp"

namespace opsagent::probes {

// The statements of one job's segment, to run inside scoped_segment(): the job's search_path and
// time zone for this transaction, then the query.
std::vector<PipelineStatement> job_statements(const config::JobWatch& job,
                                              const config::ReadinessSection& readiness);

// The query's one row read into `report` (the counts and ages as of the read). An error names
// what was wrong with the answer.
std::expected<void, std::string> read_job_row(const pg_result* row, JobReport& report);

}  // namespace opsagent::probes
