#include "common/saturating_time.hpp"

#include <gtest/gtest.h>

namespace opsagent::common {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
using Wall = std::chrono::system_clock;

TEST(SaturatingAdd, AddsWhatFits) {
  const Steady::time_point t(5s);
  EXPECT_EQ(saturating_add(t, 250ms), Steady::time_point(5250ms));
  EXPECT_EQ(saturating_add(t, -2s), Steady::time_point(3s));
  EXPECT_EQ(saturating_add(t, 0ms), t);
}

// 3,000,000 hours are about 342 years: more than steady_clock's nanoseconds hold, so a plain
// `now + timeout` wraps into the past (opsagent wait gave up at once).
TEST(SaturatingAdd, ClampsAHugeDurationToTheLatestTimePoint) {
  const auto now = Steady::now();
  const std::chrono::milliseconds huge = std::chrono::hours(3'000'000);
  EXPECT_EQ(saturating_add(now, huge), Steady::time_point::max());
  EXPECT_GT(saturating_add(now, huge), now);
  EXPECT_EQ(saturating_add(now, std::chrono::milliseconds::max()), Steady::time_point::max());
  EXPECT_EQ(saturating_add(now, std::chrono::hours::max()), Steady::time_point::max());
  EXPECT_EQ(saturating_add(Steady::time_point::max(), 1ns), Steady::time_point::max());
}

TEST(SaturatingAdd, ClampsAHugeNegativeDurationToTheEarliestTimePoint) {
  const auto now = Wall::now();
  EXPECT_EQ(saturating_add(now, std::chrono::milliseconds::min()), Wall::time_point::min());
  EXPECT_EQ(saturating_add(Wall::time_point::min(), -1s), Wall::time_point::min());
}

TEST(SaturatingCast, ClampsToTheTargetType) {
  EXPECT_EQ(saturating_cast<std::chrono::nanoseconds>(std::chrono::hours(3'000'000)),
            std::chrono::nanoseconds::max());
  EXPECT_EQ(saturating_cast<std::chrono::nanoseconds>(1500ms), 1'500'000'000ns);
  EXPECT_EQ(saturating_cast<std::chrono::milliseconds>(std::chrono::nanoseconds::max()),
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds::max()));
}

}  // namespace
}  // namespace opsagent::common
