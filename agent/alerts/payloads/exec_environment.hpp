// The environment an exec receiver's command gets. Thread-safety: pure function.
#pragma once

#include <string>
#include <vector>

#include "agent/alerts/alert.hpp"
#include "agent/alerts/identity.hpp"

namespace opsagent::alerts {

// exec: the command gets webhook_body() on stdin and these variables (each value at most 4096
// bytes): OPSAGENT_ALERT_ID, _KIND, _STATUS (firing/resolved), _RULE, _NAME (alertname),
// _SEVERITY, _FINGERPRINT, _SUMMARY, _DETAILS (newline-separated), _STARTS_AT, _ENDS_AT (RFC 3339,
// empty while firing), _RUNBOOK_URL, _INSTANCE. Returned as "NAME=value".
std::vector<std::string> exec_environment(const Notification& n, const AgentIdentity& who);

}  // namespace opsagent::alerts
