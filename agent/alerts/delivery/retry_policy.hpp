// The retry rules of delivery: what to do after an attempt (done, retry after a backoff with
// jitter, give up, or disable the receiver), and how long a Retry-After header asks to wait.
// Network errors, timeouts, failed commands, 408, 429 and 5xx are retried; other 4xx are not;
// 410 Gone disables the receiver. Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "agent/alerts/delivery/job.hpp"
#include "common/clock.hpp"

namespace opsagent::alerts {

struct RetryPolicy {
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{std::chrono::minutes(5)};
  std::chrono::hours give_up_after{24};  // a notification older than this is dropped as failed
};

// What to do after an attempt.
struct RetryDecision {
  enum class Action { done, retry, give_up, disable } action = Action::done;
  std::chrono::milliseconds wait{0};  // retry: how long before the next attempt
};
// `attempts` counts the attempt just made (1 for the first); `jitter` is in [0, 1) and spreads
// the wait over [backoff/2, backoff). A Retry-After longer than that wait wins (capped at one
// hour, so a server cannot park a receiver for days).
RetryDecision decide_retry(const AttemptResult& result, int attempts, const RetryPolicy& policy,
                           double jitter);

// "Retry-After: 120" or an HTTP date; nullopt when absent or unparsable. Capped at one hour.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      WallClock::time_point now);

}  // namespace opsagent::alerts
