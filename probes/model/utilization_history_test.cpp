#include "probes/model/utilization_history.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

TEST(UtilizationHistory, HoldsAnHourAndIsBounded) {
  EXPECT_GE(UtilizationHistory(1s).capacity(), 3600u);
  EXPECT_LE(UtilizationHistory(1ms).capacity(), 36'000u);
}

TEST(UtilizationHistory, WindowsCurrentMaxP95) {
  UtilizationHistory h(1s);
  const auto t0 = Clock::time_point(1'700'000'000s);
  // 100 samples in the last minute: 0.01 .. 1.00; one old spike outside the 1m window.
  h.add({t0 - 10min, 99, 100, 0.99});
  for (int i = 1; i <= 100; ++i) h.add({t0 - 50s + i * 500ms, i, 100, i / 100.0});
  const auto now = t0;
  auto s = h.summarize(now);
  const auto& m1 = s.windows[0];
  EXPECT_EQ(m1.window, 60s);
  EXPECT_EQ(m1.samples, 100u);
  ASSERT_TRUE(m1.current);
  EXPECT_DOUBLE_EQ(*m1.current, 1.0);
  EXPECT_DOUBLE_EQ(m1.max, 1.0);
  EXPECT_DOUBLE_EQ(m1.p95, 0.95);
  EXPECT_EQ(s.windows[1].samples, 101u);  // 15m includes the spike
  EXPECT_DOUBLE_EQ(s.windows[1].max, 1.0);
  EXPECT_EQ(s.chart.size(), 101u);
}

TEST(UtilizationHistory, RingOverwritesOldestAndChartKeepsPeaks) {
  UtilizationHistory h(1min);  // small capacity: 66 -> clamped to 64
  const auto t0 = Clock::time_point(1'700'000'000s);
  for (int i = 0; i < 1000; ++i) h.add({t0 + i * 1s, i % 7, 10, (i % 7) / 10.0});
  EXPECT_EQ(h.size(), h.capacity());
  auto s = h.summarize(t0 + 999s);
  EXPECT_LE(s.chart.size(), UtilizationSummary::kChartPoints);
  EXPECT_EQ(s.chart.back().at, t0 + 999s);
  EXPECT_DOUBLE_EQ(s.windows[2].max, 0.6);
}

TEST(UtilizationHistory, DownsamplesALongHourKeepingSpikes) {
  UtilizationHistory h(100ms);
  const auto t0 = Clock::time_point(1'700'000'000s);
  for (int i = 0; i < 36'000; ++i) h.add({t0 + i * 100ms, 0, 10, i == 18'000 ? 0.9 : 0.1});
  auto s = h.summarize(t0 + 3600s);
  EXPECT_LE(s.chart.size(), UtilizationSummary::kChartPoints);
  double peak = 0;
  for (const auto& p : s.chart) peak = std::max(peak, p.utilization);
  EXPECT_DOUBLE_EQ(peak, 0.9) << "a one-sample spike survives downsampling";
}

TEST(UtilizationHistory, EmptyHasNoSamples) {
  UtilizationHistory h(1s);
  auto s = h.summarize(Clock::now());
  EXPECT_EQ(s.windows[0].samples, 0u);
  EXPECT_TRUE(s.chart.empty());
}

TEST(UtilizationHistory, NoCurrentWhenTheCycleHadNoSample) {
  UtilizationHistory h(1s);
  const auto t0 = Clock::time_point(1'700'000'000s);
  h.add({t0, 10, 97, 0.103});
  // The next cycle could not read pg_stat_activity: no sample at t0 + 1s, so no "now"; what the
  // window held stays.
  auto s = h.summarize(t0 + 1s);
  EXPECT_FALSE(s.windows[0].current);
  EXPECT_EQ(s.windows[0].samples, 1u);
  EXPECT_DOUBLE_EQ(s.windows[0].max, 0.103);
  EXPECT_TRUE(h.summarize(t0).windows[0].current);
}

}  // namespace
}  // namespace opsagent::probes
