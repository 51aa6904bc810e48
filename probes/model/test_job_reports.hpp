// Two [[jobs]] reports as the views' tests need them: one read half a minute ago, one whose
// table was never read. Test code only. Thread-safety: pure functions.
#pragma once

#include <chrono>

#include "probes/model/job_report.hpp"

namespace opsagent::probes::testing {

// "nightly" (sync_permits), read 30 s before `now`: its last success 600 s before the read, a run
// going on for 20 s at the read, the last two successful runs 2.5 s and 1.5 s, 2 failed runs in
// the window.
inline JobReport read_job(SteadyClock::time_point now) {
  using namespace std::chrono_literals;
  JobReport j;
  j.name = "nightly";
  j.job_name = "sync_permits";
  j.read_at = now - 30s;
  j.last_success_age = 600s;
  j.running_for = 20s;
  j.last_durations = {2500ms, 1500ms};
  j.failures_in_window = 2;
  return j;
}

// "fresh" (fresh_job): its table has never been read; the first read failed.
inline JobReport unread_job() {
  JobReport j;
  j.name = "fresh";
  j.job_name = "fresh_job";
  j.read_error = "relation \"cron_log\" does not exist";
  return j;
}

}  // namespace opsagent::probes::testing
