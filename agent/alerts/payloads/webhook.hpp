// The generic webhook body (Alertmanager's webhook payload). Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "agent/alerts/alert.hpp"
#include "agent/alerts/identity.hpp"

namespace opsagent::alerts {

// Generic webhook: Alertmanager's webhook payload (version "4") with one alert in `alerts`,
// `status` "firing"/"resolved", `receiver` the receiver's name, `groupKey` the fingerprint,
// plus "notification": {"id", "kind", "suppressed"} so consumers can tell reminders apart.
// At most kMaxWebhookBytes: details are dropped from the end (noting how many) to fit.
inline constexpr std::size_t kMaxWebhookBytes = std::size_t{256} * 1024;
std::string webhook_body(const Notification& original, std::string_view receiver,
                         const AgentIdentity& who_original);

}  // namespace opsagent::alerts
