// The exhaustion forecast: when the usable connection slots run out if the connections in use
// keep their recent trend. The trend is the slope of the utilization history's samples over a
// window (pool.forecast_window, 15m by default), robust to a noisy sample; the forecast is
// quiet (no time) when the trend is flat or falling, or when there are too few samples to say.
// Thread-safety: plain values and pure functions.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "probes/model/check_result.hpp"
#include "probes/model/utilization_history.hpp"

namespace opsagent::probes {

enum class Trend { too_few_samples, flat, falling, rising };
std::string_view to_string(Trend t);

struct ExhaustionForecast {
  Trend trend = Trend::too_few_samples;
  std::chrono::seconds window{0};   // the window the trend was taken over
  std::size_t samples = 0;          // samples inside it
  std::chrono::seconds covered{0};  // from the oldest of them to now
  double per_minute = 0;            // the trend: connections in use per minute
  double level = 0;                 // connections in use now, as the trend puts it
  int used = 0;                     // connections in use in the newest sample
  int usable = 0;                   // usable slots (the newest sample's)
  // Rising: the trend reaches the usable slots in this long (0: it already has).
  std::optional<std::chrono::seconds> exhausted_in;

  // Rising, and the slots run out within `horizon` (0: never).
  bool within(config::Duration horizon) const;
};

// A trend needs this many samples, spread over at least half the window: a minute of history
// says nothing about the next half hour.
inline constexpr std::size_t kForecastMinSamples = 8;

// `samples`: the history's samples of the last `window` before `now`, oldest first (others are
// ignored). Connections, not percentages: the slots run out when `used` reaches `usable`.
ExhaustionForecast forecast_exhaustion(std::span<const UtilizationSample> samples,
                                       std::chrono::system_clock::time_point now,
                                       std::chrono::seconds window);

// One line for people: "rising +2.1 connections/min over the last 15m (62/97 usable slots in
// use): at this rate the usable slots run out in 12m", and when that is within `horizon`
// ", within pool.forecast_horizon 30m".
std::string describe(const ExhaustionForecast& f, config::Duration horizon = {});

// "pool:forecast": warn when the slots run out within `horizon` (pool.forecast_horizon), pass
// otherwise. Never gates readiness: a forecast is a reason to look, not to leave rotation.
CheckResult forecast_check(const ExhaustionForecast& f, config::Duration horizon);

}  // namespace opsagent::probes
