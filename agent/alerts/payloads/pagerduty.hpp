// The PagerDuty Events API v2 body, and where it goes. Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

#include "agent/alerts/alert.hpp"
#include "agent/alerts/identity.hpp"

namespace opsagent::alerts {

// PagerDuty Events API v2: event_action "trigger" (firing, escalated, deescalated, reminder,
// test) or "resolve", dedup_key = the alert's fingerprint, payload.summary at most 1024
// characters, severity "warning"/"critical", source = who.instance, custom_details with the
// details; the whole body at most 512 KiB.
std::string pagerduty_body(const Notification& original, std::string_view routing_key,
                           const AgentIdentity& who_original);
inline constexpr std::string_view kPagerDutyEventsUrl = "https://events.pagerduty.com/v2/enqueue";

}  // namespace opsagent::alerts
