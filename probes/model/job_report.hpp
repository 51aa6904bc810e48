// What the agent last read about one [[jobs]] entry from the app's run table, and the verdict
// on it. The table is read at the job's own interval, so a report can be up to that old: ages
// are kept as read plus the time since, so that they keep counting between reads.
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "probes/model/check_result.hpp"

namespace opsagent::probes {

struct JobReport {
  std::string name;      // the watch's name ("job:<name>" is its check)
  std::string job_name;  // as the app writes it
  // When the table was last read successfully; the fields below are as of then (a failed read
  // keeps them). The epoch: never read.
  SteadyClock::time_point read_at{};
  std::string read_error;  // why the last read failed; empty when it worked
  ErrorClass read_error_class = ErrorClass::none;
  // As of read_at:
  std::optional<std::chrono::seconds> last_success_age;  // nullopt: no successful run recorded
  std::string last_status;  // of the latest finished run; empty when none finished
  std::string last_error;   // of the latest failed run within the window (cut, printable)
  std::optional<std::chrono::seconds> running_for;        // the latest run started, not finished
  std::vector<std::chrono::milliseconds> last_durations;  // of successful runs, newest first
  int failures_in_window = 0;

  static constexpr std::size_t kDurations = 5;
  static constexpr std::size_t kErrorChars = 200;

  // The ages as of `now` (they keep counting after the read).
  std::optional<std::chrono::seconds> success_age_at(SteadyClock::time_point now) const;
  std::optional<std::chrono::seconds> running_for_at(SteadyClock::time_point now) const;
  std::optional<std::chrono::milliseconds> average_duration() const;
};

// The check "job:<name>" for `report` under `watch`, as of `now`: stale when the last success is
// older than max_age (or there is none), failing when more than max_failures runs failed in the
// window, a warning when the table could not be read. Warnings unless watch.gates_readiness.
CheckResult judge_job(const JobReport& report, const config::JobWatch& watch,
                      SteadyClock::time_point now);

}  // namespace opsagent::probes
