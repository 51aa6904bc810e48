// Who this agent is and what it watches, as shown in the startup line and in every alert
// notification. Never includes the DSN's password. Thread-safety: reentrant.
#pragma once

#include <string>

#include "agent/alerts/identity.hpp"
#include "config/config.hpp"

namespace opsagent::daemon {

// "db.internal:5432/app", or why there is no target ("(DATABASE_URL is not set)").
std::string target_display(const config::Config& c);

// The host name and the probe target: who sends an alert notification, about what.
alerts::AgentIdentity identity_for(const config::Config& c);

}  // namespace opsagent::daemon
