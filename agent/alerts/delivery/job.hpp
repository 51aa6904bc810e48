// A notification on its way to one receiver, and what one attempt to deliver it came to: the
// values the queue, the retry policy and the senders pass between them. Thread-safety: plain
// values.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "agent/alerts/alert.hpp"
#include "common/clock.hpp"

namespace opsagent::alerts {

// One notification on its way to one receiver.
struct DeliveryJob {
  std::string receiver;  // AlertReceiver::name
  Notification notification;
  int attempts = 0;                      // made so far
  WallClock::time_point next_attempt{};  // not before; epoch: now
};

// What one attempt came to. `error` is for logs: it names the receiver's host or command,
// never a URL path, query, key or secret.
struct AttemptResult {
  enum class Kind { delivered, http_status, network, timeout, config, exec_failed };
  Kind kind = Kind::delivered;
  int status = 0;  // http_status: the code; exec_failed: the exit status (or 128 + signal)
  std::optional<std::chrono::seconds> retry_after;  // from a 429/503 answer
  std::string error;
};

// A configuration mistake (a missing variable, an unusable URL or command): not retried.
inline AttemptResult config_failure(std::string error) {
  AttemptResult r;
  r.kind = AttemptResult::Kind::config;
  r.error = std::move(error);
  return r;
}

}  // namespace opsagent::alerts
