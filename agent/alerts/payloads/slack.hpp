// The Slack incoming-webhook body, with Slack's escaping and its length limits.
// Thread-safety: pure function.
#pragma once

#include <string>

#include "agent/alerts/alert.hpp"
#include "agent/alerts/identity.hpp"

namespace opsagent::alerts {

// Slack incoming webhook: "text" (the fallback, at most 3000 characters) and "blocks" (a header
// of at most 150 characters, section texts of at most 3000, at most 50 blocks).
std::string slack_body(const Notification& original, const AgentIdentity& who_original);

}  // namespace opsagent::alerts
