#include "probes/model/circuit_breaker.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/saturating_time.hpp"
#include "config/syntax/duration.hpp"

namespace opsagent::probes {

std::string_view to_string(BreakerState s) {
  switch (s) {
    case BreakerState::closed:
      return "closed";
    case BreakerState::half_open:
      return "half_open";
    case BreakerState::open:
      return "open";
  }
  return "closed";
}

CircuitBreaker::CircuitBreaker(int failure_threshold, std::chrono::milliseconds recovery_timeout)
    : failure_threshold_(std::max(failure_threshold, 1)), recovery_timeout_(recovery_timeout) {}

void CircuitBreaker::configure(int failure_threshold, std::chrono::milliseconds recovery_timeout) {
  failure_threshold_ = std::max(failure_threshold, 1);
  recovery_timeout_ = recovery_timeout;
}

std::optional<SteadyClock::time_point> CircuitBreaker::half_open_at() const {
  if (state_ != BreakerState::open || !since_) return std::nullopt;
  return common::saturating_add(*since_, recovery_timeout_);
}

std::optional<BreakerTransition> CircuitBreaker::advance(SteadyClock::time_point now) {
  const auto due = half_open_at();
  if (!due || now < *due) return std::nullopt;
  return move_to(BreakerState::half_open, now,
                 fmt::format("recovery_timeout {} passed since the circuit opened; probing once",
                             config::format_duration(recovery_timeout_)));
}

std::optional<BreakerTransition> CircuitBreaker::record_success(SteadyClock::time_point now) {
  consecutive_failures_ = 0;
  if (state_ == BreakerState::closed) return std::nullopt;
  // An open breaker is not probed before half-open; a success then (a probe already in flight
  // when it opened) closes it like a half-open one.
  return move_to(BreakerState::closed, now, "a probe succeeded");
}

std::optional<BreakerTransition> CircuitBreaker::record_failure(SteadyClock::time_point now,
                                                                std::string_view why) {
  // Bounded so that an upstream down for years cannot overflow the count.
  constexpr int kMaxCount = 1'000'000'000;
  if (consecutive_failures_ < kMaxCount) ++consecutive_failures_;
  switch (state_) {
    case BreakerState::closed:
      if (consecutive_failures_ < failure_threshold_) return std::nullopt;
      return move_to(BreakerState::open, now,
                     fmt::format("{} consecutive failure{} (last: {})", consecutive_failures_,
                                 consecutive_failures_ == 1 ? "" : "s", why));
    case BreakerState::half_open:
      return move_to(BreakerState::open, now, fmt::format("the half-open probe failed: {}", why));
    case BreakerState::open:
      break;  // still open; the recovery wait counts from when it opened
  }
  return std::nullopt;
}

BreakerTransition CircuitBreaker::move_to(BreakerState to, SteadyClock::time_point now,
                                          std::string reason) {
  BreakerTransition t{.from = state_, .to = to, .at = now, .reason = std::move(reason)};
  state_ = to;
  since_ = now;
  return t;
}

}  // namespace opsagent::probes
