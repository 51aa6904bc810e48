// The on-call's "last errors": the failures of recent cycles, one entry per distinct failure
// (check, class, message) with when it was last seen, newest first. An entry whose check has
// passed since is kept as past, with when it cleared, so a start-up error (the app not bound
// yet) does not read as a current one minutes later. A failing check without an error class is
// a threshold crossing (e.g. connections at critical): a state the checks show, not an error.
// Thread-safety: not thread-safe; the probe loop owns it and copies the list into Snapshots.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <vector>

#include "probes/model/check_result.hpp"

namespace opsagent::probes {

class RecentErrors {
 public:
  explicit RecentErrors(std::size_t capacity) : capacity_(capacity) {}

  // One cycle's checks, taken at `at`.
  void observe(const std::vector<CheckResult>& checks, std::chrono::system_clock::time_point at);
  std::vector<RecentError> list() const { return {errors_.begin(), errors_.end()}; }

 private:
  std::size_t capacity_;
  std::deque<RecentError> errors_;  // newest first
};

}  // namespace opsagent::probes
