#include "probes/postgres/job_reads.hpp"

#include "probes/postgres/job_query.hpp"

namespace opsagent::probes {

JobReport JobRead::fresh(const config::JobWatch& watch) {
  JobReport r;
  r.name = watch.name;
  r.job_name = watch.job_name;
  return r;
}

std::vector<PipelineStatement> JobRead::statements(const config::JobWatch& watch,
                                                   const config::Config& config) {
  return job_statements(watch, config.readiness);
}

std::expected<void, std::string> JobRead::read(const pg_result* row, JobReport& report) {
  return read_job_row(row, report);
}

CheckResult JobRead::judge(const JobReport& report, const config::JobWatch& watch,
                           SteadyClock::time_point now) {
  return judge_job(report, watch, now);
}

}  // namespace opsagent::probes
