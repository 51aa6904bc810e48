#include "probes/model/job_report.hpp"

#include <numeric>

#include <fmt/format.h>

#include "common/text/time_format.hpp"
#include "config/syntax/duration.hpp"

namespace opsagent::probes {

namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;

std::string ago(seconds age) {
  return common::format_elapsed(static_cast<double>(age.count()));
}

}  // namespace

std::optional<seconds> JobReport::success_age_at(SteadyClock::time_point now) const {
  if (!last_success_age) return std::nullopt;
  return *last_success_age + duration_cast<seconds>(now - read_at);
}

std::optional<seconds> JobReport::running_for_at(SteadyClock::time_point now) const {
  if (!running_for) return std::nullopt;
  return *running_for + duration_cast<seconds>(now - read_at);
}

std::optional<std::chrono::milliseconds> JobReport::average_duration() const {
  if (last_durations.empty()) return std::nullopt;
  const auto total =
      std::accumulate(last_durations.begin(), last_durations.end(), std::chrono::milliseconds{0});
  return total / static_cast<long>(last_durations.size());
}

CheckResult judge_job(const JobReport& report, const config::JobWatch& watch,
                      SteadyClock::time_point now) {
  CheckResult c;
  c.name.append("job:").append(watch.name);  // not "job:" + name: g++ 12's false -Wrestrict
  c.gates_readiness = watch.gates_readiness;
  const CheckStatus problem = watch.gates_readiness ? CheckStatus::fail : CheckStatus::warn;
  if (!report.read_error.empty()) {
    c.status = problem;
    c.error = report.read_error_class;
    c.message = fmt::format("cannot read the runs of \"{}\" from {}: {}", watch.job_name,
                            watch.table.display(), report.read_error);
    return c;
  }
  const auto age = report.success_age_at(now);
  if (age) {
    c.observed_value = static_cast<double>(age->count());
    c.observed_unit = 's';  // a char: g++ 12 warns falsely (-Wrestrict) on "s"
  }
  const bool stale = !age || *age > duration_cast<seconds>(watch.max_age);
  const bool failing = report.failures_in_window > watch.max_failures;
  std::string what =
      age ? fmt::format("last success {} ago (max_age {})", ago(*age),
                        config::format_duration(watch.max_age))
          : fmt::format("no successful run of \"{}\" in {}", watch.job_name, watch.table.display());
  what += fmt::format("; {} failed in the last {} (max_failures {})", report.failures_in_window,
                      config::format_duration(watch.window), watch.max_failures);
  if (failing && !report.last_error.empty()) what += "; last error: " + report.last_error;
  if (const auto running = report.running_for_at(now)) {
    what += fmt::format("; running for {}", ago(*running));
  }
  c.message = std::move(what);
  if (stale || failing) {
    c.status = problem;
    c.error = stale ? ErrorClass::job_stale : ErrorClass::job_failing;
  } else {
    c.status = CheckStatus::pass;
  }
  return c;
}

}  // namespace opsagent::probes
