#include "agent/web/number_format.hpp"

#include <gtest/gtest.h>

namespace opsagent::web {
namespace {

using namespace std::chrono_literals;

TEST(NumberFormat, SecondsScaleToTwoParts) {
  EXPECT_EQ(format_seconds(0), "0ms");
  EXPECT_EQ(format_seconds(0.35), "350ms");
  EXPECT_EQ(format_seconds(0.9994), "999ms");
  EXPECT_EQ(format_seconds(1), "1.0s");
  EXPECT_EQ(format_seconds(4.24), "4.2s");
  EXPECT_EQ(format_seconds(59.9), "59.9s");
  EXPECT_EQ(format_seconds(60), "1m00s");
  EXPECT_EQ(format_seconds(754.2), "12m34s");
  EXPECT_EQ(format_seconds(3599.9), "59m59s");
  EXPECT_EQ(format_seconds(3600), "1h00m");
  EXPECT_EQ(format_seconds(11100), "3h05m");
  EXPECT_EQ(format_seconds(86400), "1d00h");
  EXPECT_EQ(format_seconds(187200), "2d04h");
}

TEST(NumberFormat, UnknownAgeIsADash) {
  EXPECT_EQ(format_age(std::nullopt), "-");
  EXPECT_EQ(format_age(61.0), "1m01s");
}

TEST(NumberFormat, LatencyInMillisecondsBelowASecond) {
  EXPECT_EQ(format_latency(0us), "0.0ms");
  EXPECT_EQ(format_latency(1200us), "1.2ms");
  EXPECT_EQ(format_latency(999'949us), "999.9ms");
  EXPECT_EQ(format_latency(1'000'000us), "1.00s");
  EXPECT_EQ(format_latency(12'345'678us), "12.35s");
}

TEST(NumberFormat, PercentWithOneDecimal) {
  EXPECT_EQ(percent(0), "0.0%");
  EXPECT_EQ(percent(0.866), "86.6%");
  EXPECT_EQ(percent(1), "100.0%");
  EXPECT_EQ(percent(1.25), "125.0%");  // superusers can take more than the usable slots
}

}  // namespace
}  // namespace opsagent::web
