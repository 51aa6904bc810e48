// Adding a duration to a clock reading without overflow: a configured or typed duration
// ("wait --timeout 3000000h") can exceed what a time_point holds (steady_clock counts
// nanoseconds: about 292 years), and the wrapped sum lies in the past, so a deadline would have
// passed at once. Every duration the agent adds to a clock goes through saturating_add: it
// gives time_point::max() (or min()) instead. Thread-safety: pure functions.
#pragma once

#include <chrono>

namespace opsagent::common {

// `d` in the time_point's duration type, clamped to what that type holds.
template <class To, class Rep, class Period>
constexpr To saturating_cast(std::chrono::duration<Rep, Period> d) {
  using Wide = std::chrono::duration<long double, std::nano>;
  const long double want = std::chrono::duration_cast<Wide>(d).count();
  if (want >= std::chrono::duration_cast<Wide>(To::max()).count()) return To::max();
  if (want <= std::chrono::duration_cast<Wide>(To::min()).count()) return To::min();
  return std::chrono::duration_cast<To>(d);
}

// t + d, or the latest (earliest) time_point when the sum does not fit. The check is made on
// the exact sum (in long double, which holds any 64-bit count), so a huge negative `d` saturates
// even when the clamped step alone would still fit.
template <class Clock, class Dur, class Rep, class Period>
constexpr std::chrono::time_point<Clock, Dur> saturating_add(std::chrono::time_point<Clock, Dur> t,
                                                             std::chrono::duration<Rep, Period> d) {
  using Point = std::chrono::time_point<Clock, Dur>;
  using Wide = std::chrono::duration<long double, typename Dur::period>;
  const long double sum =
      Wide(t.time_since_epoch()).count() + std::chrono::duration_cast<Wide>(d).count();
  if (sum >= static_cast<long double>(Dur::max().count())) return Point::max();
  if (sum <= static_cast<long double>(Dur::min().count())) return Point::min();
  const Dur step = saturating_cast<Dur>(d);
  typename Dur::rep exact{};
  if (step != Dur::max() && step != Dur::min() &&
      !__builtin_add_overflow(t.time_since_epoch().count(), step.count(), &exact)) {
    return Point(Dur(exact));
  }
  return Point(Dur(static_cast<typename Dur::rep>(sum)));  // a step that alone does not fit
}

}  // namespace opsagent::common
