// Bounded polling: the one place where test code may wait for something to become true.
// Tests wait on an observable condition with a deadline instead of sleeping a guessed amount.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

namespace opsagent::testing {

// Calls `cond` until it returns true (-> true) or `timeout` has passed (-> false). `cond` is
// always called at least once and once more at the deadline, so a condition that becomes true
// just in time is not reported as a timeout.
inline bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds poll = std::chrono::milliseconds{20}) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    const auto now = Clock::now();
    if (now >= deadline) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(poll, deadline - now));
  }
}

}  // namespace opsagent::testing
