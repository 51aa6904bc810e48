// What /status and /metrics show of the alert hooks: this agent's role, the firing alerts and
// each receiver's delivery counters. Published by the Alerter as an immutable value, so HTTP
// handlers read it without touching the delivery queue. Thread-safety: plain values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/alerts/alert.hpp"
#include "agent/alerts/delivery/receiver_stats.hpp"

namespace opsagent::alerts {

enum class Role {
  off,       // no receivers configured
  leader,    // sends notifications
  follower,  // another agent holds the leadership lock: evaluates, stays silent
};
std::string_view to_string(Role r);

struct ReceiverStatus {
  std::string name;
  std::string type;
  ReceiverStats stats;
};

struct AlertsStatus {
  Role role = Role::off;
  std::string role_reason;  // "holds the advisory lock", "leader_election = false", ...
  std::vector<Alert> firing;
  std::vector<ReceiverStatus> receivers;
  int suppressed = 0;  // held back by the rate limit, not yet summarised
};

}  // namespace opsagent::alerts
