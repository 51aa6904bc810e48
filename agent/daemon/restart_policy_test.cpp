#include "agent/daemon/restart_policy.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace opsagent::daemon {
namespace {

using namespace std::chrono_literals;

// The delays of `crashes` restarts in a row, each after the app ran for `ran_for`.
std::vector<config::Duration> delays(int crashes, SteadyClock::duration ran_for,
                                     config::Duration max) {
  std::vector<config::Duration> out;
  RestartBackoff backoff;
  for (int i = 0; i < crashes; ++i) {
    const auto decision = decide_restart(backoff, ran_for, max);
    out.push_back(decision.delay);
    backoff = decision.backoff;
  }
  return out;
}

TEST(RestartPolicy, FirstRestartWaitsOneSecond) {
  const auto decision = decide_restart({}, 100ms, 30s);
  EXPECT_EQ(decision.delay, 1s);
  EXPECT_EQ(decision.backoff.next, 2s);
}

TEST(RestartPolicy, CrashLoopDoublesUpToTheMaximum) {
  const std::vector<config::Duration> expected{1s, 2s, 4s, 8s, 16s, 30s, 30s};
  EXPECT_EQ(delays(7, 500ms, 30s), expected);
}

TEST(RestartPolicy, AMaximumThatIsNotAPowerOfTwoIsReachedExactly) {
  const std::vector<config::Duration> expected{1s, 2s, 3s, 3s};
  EXPECT_EQ(delays(4, 0ms, 3s), expected);
}

TEST(RestartPolicy, ARunLongerThanTheMaximumStartsOver) {
  const RestartBackoff grown{.next = 16s};
  const auto healthy = decide_restart(grown, 31s, 30s);
  EXPECT_EQ(healthy.delay, 1s);
  EXPECT_EQ(healthy.backoff.next, 2s);
  // Exactly the maximum is not yet "longer": the crash loop goes on.
  const auto still_crashing = decide_restart(grown, 30s, 30s);
  EXPECT_EQ(still_crashing.delay, 16s);
  EXPECT_EQ(still_crashing.backoff.next, 30s);
}

TEST(RestartPolicy, AMaximumBelowOneSecondStillWaitsOneSecondFirst) {
  // The first delay is fixed; the maximum caps what follows.
  const auto decision = decide_restart({}, 0ms, 500ms);
  EXPECT_EQ(decision.delay, 1s);
  EXPECT_EQ(decision.backoff.next, 500ms);
}

}  // namespace
}  // namespace opsagent::daemon
