// The circuit breaker of one upstream API, as a pure state machine: closed (calls go through) ->
// open after `failure_threshold` consecutive failures (calls are refused); once open for
// `recovery_timeout`, half-open (one probe decides): success closes it, failure opens it again
// for another recovery_timeout. Time is passed in and nothing here reads a clock, sleeps or
// locks, so every transition is unit-tested without waiting. The upstream prober drives it
// (probes/upstreams/upstream_prober.hpp). Thread-safety: a plain value; one owner at a time.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace opsagent::probes {

enum class BreakerState { closed, half_open, open };
std::string_view to_string(BreakerState s);

// A change of state, with why, for the log line (once per transition) and the views.
struct BreakerTransition {
  BreakerState from = BreakerState::closed;
  BreakerState to = BreakerState::closed;
  SteadyClock::time_point at;
  std::string reason;  // "5 consecutive failures (last: ...)", "recovery_timeout 60s passed", ...
};

class CircuitBreaker {
 public:
  CircuitBreaker(int failure_threshold, std::chrono::milliseconds recovery_timeout);

  // A reload's new settings; the state stays. A closed breaker already at the new threshold
  // opens at its next failure, an open one waits for the new recovery_timeout from when it
  // opened.
  void configure(int failure_threshold, std::chrono::milliseconds recovery_timeout);

  BreakerState state() const { return state_; }
  int consecutive_failures() const { return consecutive_failures_; }
  int failure_threshold() const { return failure_threshold_; }
  std::chrono::milliseconds recovery_timeout() const { return recovery_timeout_; }
  // When the current state began; nullopt while closed since the start.
  std::optional<SteadyClock::time_point> since() const { return since_; }
  // Open: when the half-open probe is due (opened + recovery_timeout). nullopt otherwise.
  std::optional<SteadyClock::time_point> half_open_at() const;

  // Open -> half-open once recovery_timeout has passed at `now`; nothing otherwise.
  std::optional<BreakerTransition> advance(SteadyClock::time_point now);
  // A probe that succeeded at `now`: resets the count; half-open -> closed.
  std::optional<BreakerTransition> record_success(SteadyClock::time_point now);
  // A probe that failed at `now` (`why`: what failed, for the reason): closed -> open at the
  // threshold; half-open -> open at once.
  std::optional<BreakerTransition> record_failure(SteadyClock::time_point now,
                                                  std::string_view why);

 private:
  BreakerTransition move_to(BreakerState to, SteadyClock::time_point now, std::string reason);

  int failure_threshold_;
  std::chrono::milliseconds recovery_timeout_;
  BreakerState state_ = BreakerState::closed;
  int consecutive_failures_ = 0;
  std::optional<SteadyClock::time_point> since_;
};

}  // namespace opsagent::probes
