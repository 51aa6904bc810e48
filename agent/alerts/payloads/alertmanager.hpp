// The Alertmanager API v2 body (POST /api/v2/alerts). Thread-safety: pure function.
#pragma once

#include <chrono>
#include <string>

#include "agent/alerts/alert.hpp"
#include "agent/alerts/identity.hpp"
#include "common/clock.hpp"

namespace opsagent::alerts {

// Alertmanager API v2 (POST /api/v2/alerts): an array of postable alerts. Labels are the alert's
// labels plus "severity"; annotations summary, description (the details), runbook_url.
// Firing: endsAt = now + `firing_ttl`, so Alertmanager resolves it by itself if the agent stops
// re-sending; resolved: endsAt = the alert's end. Escalated/deescalated also end the alert under
// its previous severity at `now`.
std::string alertmanager_body(const Notification& original, WallClock::time_point now,
                              std::chrono::seconds firing_ttl, const AgentIdentity& who_original);

}  // namespace opsagent::alerts
