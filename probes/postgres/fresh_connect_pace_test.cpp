#include <gtest/gtest.h>

#include "probes/postgres/postgres_probe.hpp"

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;

TEST(FreshConnectPace, TheIntervalWhileNothingIsInDoubt) {
  EXPECT_EQ(fresh_connect_pace(5min, false), 5min);
  EXPECT_EQ(fresh_connect_pace(1s, false), 1s);
}

TEST(FreshConnectPace, AtMostEveryHalfMinuteWhileInDoubt) {
  EXPECT_EQ(fresh_connect_pace(5min, true), 30s);
  EXPECT_EQ(fresh_connect_pace(1h, true), 30s);
  // A shorter interval is never slowed down.
  EXPECT_EQ(fresh_connect_pace(10s, true), 10s);
}

TEST(FreshConnectPace, OffStaysOff) {
  EXPECT_EQ(fresh_connect_pace(0s, true), 0s);
  EXPECT_EQ(fresh_connect_pace(0s, false), 0s);
}

}  // namespace
}  // namespace opsagent::probes
