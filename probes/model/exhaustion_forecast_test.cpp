#include "probes/model/exhaustion_forecast.hpp"

#include <cmath>
#include <functional>
#include <vector>

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

const auto kNow = Clock::time_point(1'700'000'000s);
constexpr int kUsable = 97;

// Samples every `step` over the last `span` before kNow (the newest at kNow), `used(minutes ago)`.
std::vector<UtilizationSample> series(std::chrono::seconds span, std::chrono::seconds step,
                                      const std::function<int(double)>& used) {
  std::vector<UtilizationSample> out;
  for (auto ago = span; ago >= 0s; ago -= step) {
    const int u = used(static_cast<double>(ago.count()) / 60);
    out.push_back({kNow - ago, u, kUsable, static_cast<double>(u) / kUsable});
  }
  return out;
}

ExhaustionForecast forecast(const std::vector<UtilizationSample>& s) {
  return forecast_exhaustion(s, kNow, 15min);
}

TEST(ExhaustionForecast, FlatIsQuiet) {
  const auto f = forecast(series(15min, 2s, [](double) { return 40; }));
  EXPECT_EQ(f.trend, Trend::flat);
  EXPECT_EQ(f.samples, 451u);
  EXPECT_DOUBLE_EQ(f.level, 40);
  EXPECT_FALSE(f.exhausted_in);
  EXPECT_FALSE(f.within(30min));
  const auto c = forecast_check(f, 30min);
  EXPECT_EQ(c.name, "pool:forecast");
  EXPECT_EQ(c.status, CheckStatus::pass);
  EXPECT_FALSE(c.gates_readiness);
  EXPECT_EQ(c.message,
            "flat over the last 15m (40/97 usable slots in use): no exhaustion in sight");
}

TEST(ExhaustionForecast, RisingForecastsWhenTheSlotsRunOut) {
  // 2 connections a minute: 20 fifteen minutes ago, 50 now; 47 slots left -> 23.5 minutes.
  const auto f =
      forecast(series(15min, 2s, [](double ago) { return static_cast<int>(50 - 2 * ago); }));
  ASSERT_EQ(f.trend, Trend::rising);
  EXPECT_NEAR(f.per_minute, 2.0, 0.05);
  EXPECT_NEAR(f.level, 50, 1);
  ASSERT_TRUE(f.exhausted_in);
  EXPECT_NEAR(static_cast<double>(f.exhausted_in->count()), 23.5 * 60, 60);
  EXPECT_TRUE(f.within(30min));
  EXPECT_FALSE(f.within(20min));
  EXPECT_FALSE(f.within(0s));  // horizon off

  const auto soon = forecast_check(f, 30min);
  EXPECT_EQ(soon.status, CheckStatus::warn);
  EXPECT_FALSE(soon.gates_readiness);
  EXPECT_NE(soon.message.find("rising +2.0 connections/min over the last 15m"), std::string::npos)
      << soon.message;
  EXPECT_NE(soon.message.find("at this rate the usable slots run out in 2"), std::string::npos)
      << soon.message;
  EXPECT_NE(soon.message.find("within pool.forecast_horizon 30m"), std::string::npos)
      << soon.message;
  ASSERT_TRUE(soon.observed_value);
  EXPECT_EQ(soon.observed_unit, "s");
  EXPECT_EQ(forecast_check(f, 20min).status, CheckStatus::pass);
}

TEST(ExhaustionForecast, FewSamplesAFewSecondsApartAreEnough) {
  // A 10s interval: 91 samples, no bucketing.
  const auto f =
      forecast(series(15min, 10s, [](double ago) { return static_cast<int>(80 - 1 * ago); }));
  ASSERT_EQ(f.trend, Trend::rising);
  EXPECT_NEAR(f.per_minute, 1.0, 0.05);
  ASSERT_TRUE(f.exhausted_in);
  EXPECT_NEAR(static_cast<double>(f.exhausted_in->count()), 17 * 60, 60);
}

TEST(ExhaustionForecast, AlreadyFullAndRisingRunsOutNow) {
  const auto f =
      forecast(series(15min, 10s, [](double ago) { return static_cast<int>(100 - 3 * ago); }));
  ASSERT_EQ(f.trend, Trend::rising);
  ASSERT_TRUE(f.exhausted_in);
  EXPECT_EQ(f.exhausted_in->count(), 0);
  EXPECT_NE(describe(f).find("the usable slots are used up"), std::string::npos);
}

TEST(ExhaustionForecast, FallingIsQuiet) {
  const auto f =
      forecast(series(15min, 2s, [](double ago) { return static_cast<int>(50 + 2 * ago); }));
  EXPECT_EQ(f.trend, Trend::falling);
  EXPECT_NEAR(f.per_minute, -2.0, 0.05);
  EXPECT_FALSE(f.exhausted_in);
  EXPECT_EQ(forecast_check(f, 30min).status, CheckStatus::pass);
  EXPECT_NE(describe(f).find("falling -2.0 connections/min"), std::string::npos) << describe(f);
}

TEST(ExhaustionForecast, OneSpikeDoesNotMakeAForecast) {
  // A steady 40 with one sample of 95: least squares would see a rise of ~4 over the window when
  // the spike is the newest sample (and forecast exhaustion); the median of slopes sees none.
  for (const double spike_ago : {0.0, 7.0, 14.0}) {
    for (const auto step : {2s, 10s}) {
      const auto f = forecast(series(
          15min, step, [&](double ago) { return std::abs(ago - spike_ago) < 1e-9 ? 95 : 40; }));
      EXPECT_EQ(f.trend, Trend::flat) << "spike " << spike_ago << "m ago, step " << step.count();
      EXPECT_DOUBLE_EQ(f.level, 40);
      EXPECT_FALSE(f.exhausted_in);
    }
  }
  // Noise on a steady level (40, 41, 39, ...) and one dropout to 0 are no trend either.
  const auto noisy = forecast(series(15min, 2s, [](double ago) {
    const int i = static_cast<int>(std::lround(ago * 30));
    return i == 200 ? 0 : 40 + (i % 3) - 1;
  }));
  EXPECT_EQ(noisy.trend, Trend::flat);
}

TEST(ExhaustionForecast, OneSpikeDoesNotHideARise) {
  const auto f = forecast(series(15min, 10s, [](double ago) {
    return std::abs(ago - 1) < 1e-9 ? 0 : static_cast<int>(50 - 2 * ago);
  }));
  ASSERT_EQ(f.trend, Trend::rising);
  EXPECT_NEAR(f.per_minute, 2.0, 0.1);
}

TEST(ExhaustionForecast, TooFewSamplesIsQuiet) {
  // Five samples, however steep.
  auto few =
      forecast(series(15min, 180s, [](double ago) { return static_cast<int>(90 - 5 * ago); }));
  EXPECT_EQ(few.samples, 6u);
  EXPECT_EQ(few.trend, Trend::too_few_samples);
  EXPECT_FALSE(few.exhausted_in);
  EXPECT_EQ(forecast_check(few, 30min).status, CheckStatus::pass);
  // Many samples, but only over the last 3 minutes (the agent just started): not yet.
  const auto young =
      forecast(series(3min, 2s, [](double ago) { return static_cast<int>(60 - 5 * ago); }));
  EXPECT_EQ(young.trend, Trend::too_few_samples);
  EXPECT_EQ(young.covered, 180s);
  EXPECT_NE(describe(young).find("no trend yet: 91 samples over 3m"), std::string::npos)
      << describe(young);
  EXPECT_EQ(forecast({}).trend, Trend::too_few_samples);
}

TEST(ExhaustionForecast, OnlyTheWindowCounts) {
  // A steep rise an hour ago, flat for the last 15 minutes.
  auto s =
      series(60min, 10s, [](double ago) { return ago > 15 ? static_cast<int>(95 - ago) : 40; });
  const auto f = forecast(s);
  EXPECT_EQ(f.trend, Trend::flat);
  EXPECT_LE(f.samples, 91u);
}

}  // namespace
}  // namespace opsagent::probes
