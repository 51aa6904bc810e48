#include "probes/model/latency_history.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;

const auto t0 = WallClock::time_point(1'700'000'000s);

TEST(LatencyQuantiles, EmptyHasNone) {
  std::vector<std::int64_t> none;
  EXPECT_EQ(latency_quantiles(none), LatencySummary{});
}

TEST(LatencyQuantiles, NearestRank) {
  std::vector<std::int64_t> micros;
  for (int i = 100; i >= 1; --i)
    micros.push_back(std::int64_t{i} * 1000);  // 1..100 ms, order does not matter
  const auto s = latency_quantiles(micros);
  EXPECT_EQ(s.samples, 100u);
  EXPECT_EQ(s.p50_ms, 50.0);
  EXPECT_EQ(s.p95_ms, 95.0);
  EXPECT_EQ(s.p99_ms, 99.0);
  std::vector<std::int64_t> one{1500};
  EXPECT_EQ(latency_quantiles(one).p50_ms, 1.5);
  EXPECT_EQ(latency_quantiles(one).p99_ms, 1.5);
}

TEST(LatencyHistory, HoldsAnHourAndIsBounded) {
  EXPECT_GE(LatencyHistory(1s).capacity(), 3600u);
  EXPECT_GE(LatencyHistory(10min).capacity(), 64u);
  EXPECT_LE(LatencyHistory(1ms).capacity(), 36'000u);
}

TEST(LatencyHistory, EachWindowHasItsOwnQuantiles) {
  LatencyHistory h(1s);
  // An hour ago to 15 minutes ago: slow (2 s). The last 15 minutes: 100 ms, except the last
  // minute: 1..60 ms.
  for (int i = 0; i < 45; ++i) h.add(t0 - 60min + i * 1min, 2s);
  for (int i = 0; i < 14; ++i) h.add(t0 - 14min - 30s + i * 1min, 100ms);
  for (int i = 1; i <= 60; ++i) h.add(t0 - 60s + i * 1s, std::chrono::milliseconds(i));
  const auto w = h.summarize(t0);
  ASSERT_EQ(w[0].window, 60s);
  EXPECT_EQ(w[0].latency.samples, 60u);
  EXPECT_EQ(w[0].latency.p50_ms, 30.0);
  EXPECT_EQ(w[0].latency.p99_ms, 60.0);
  ASSERT_EQ(w[1].window, 15min);
  EXPECT_EQ(w[1].latency.samples, 74u);
  EXPECT_EQ(w[1].latency.p95_ms, 100.0);  // the slow hour stays out of the 15 minutes
  ASSERT_EQ(w[2].window, 1h);
  EXPECT_EQ(w[2].latency.samples, 119u);
  EXPECT_EQ(w[2].latency.p50_ms, 60.0);
  EXPECT_EQ(w[2].latency.p95_ms, 2000.0);
}

TEST(LatencyHistory, OldAnswersLeaveTheWindows) {
  LatencyHistory h(1s);
  h.add(t0, 5ms);
  EXPECT_EQ(h.summarize(t0 + 30s)[0].latency.samples, 1u);
  const auto later = h.summarize(t0 + 2h);
  for (const auto& w : later) {
    EXPECT_EQ(w.latency.samples, 0u) << window_label(w.window);
    EXPECT_FALSE(w.latency.p50_ms);
  }
}

TEST(LatencyHistory, RingKeepsTheNewest) {
  LatencyHistory h(1min);  // a small ring
  for (std::size_t i = 0; i < h.capacity(); ++i) h.add(t0 + i * 1s, 1000ms);
  for (std::size_t i = 0; i < h.capacity(); ++i) h.add(t0 + 1h + i * 1s, 2ms);
  EXPECT_EQ(h.size(), h.capacity());
  const auto w = h.summarize(t0 + 1h + h.capacity() * 1s);
  EXPECT_EQ(w[2].latency.samples, h.capacity());
  EXPECT_EQ(w[2].latency.p99_ms, 2.0);  // the slow ones were overwritten
}

TEST(LatencyHistory, EmptyWindowsAreLabelled) {
  const auto w = empty_latency_windows();
  EXPECT_EQ(window_label(w[0].window), "1m");
  EXPECT_EQ(window_label(w[1].window), "15m");
  EXPECT_EQ(window_label(w[2].window), "1h");
  EXPECT_EQ(w[kSummaryWindow].window, 15min);
}

}  // namespace
}  // namespace opsagent::probes
