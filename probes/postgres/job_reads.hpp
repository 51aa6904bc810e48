// The [[jobs]] reads of the probe cycle: each job's runs are read from the app's table at the
// job's own interval (scheduled_reads.hpp), one statement a job (job_query.hpp).
// Thread-safety: not thread-safe; owned by PostgresProbe (the probe loop's thread).
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "probes/model/job_report.hpp"
#include "probes/postgres/scheduled_reads.hpp"

namespace opsagent::probes {

struct JobRead {
  using Watch = config::JobWatch;
  using Report = JobReport;
  static JobReport fresh(const config::JobWatch& watch);
  static std::vector<PipelineStatement> statements(const config::JobWatch& watch,
                                                   const config::Config& config);
  static std::expected<void, std::string> read(const pg_result* row, JobReport& report);
  static CheckResult judge(const JobReport& report, const config::JobWatch& watch,
                           SteadyClock::time_point now);
};

using JobReads = ScheduledReads<JobRead>;

}  // namespace opsagent::probes
