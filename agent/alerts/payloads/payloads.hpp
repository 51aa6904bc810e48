// The body each receiver type gets for a Notification, built with a JSON serializer (never by
// string substitution) and cut to the provider's limits, plus the Standard Webhooks signature.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "agent/alerts/alert.hpp"

namespace opsagent::alerts {

// Who sends: shown in bodies so the on-call knows which agent (and database) speaks.
struct AgentIdentity {
  std::string instance;      // the agent's host name
  std::string database;      // the probe target without password: "db.internal:5432/app"
  std::string external_url;  // where /status can be read, or empty
};

// Generic webhook: Alertmanager's webhook payload (version "4") with one alert in `alerts`,
// `status` "firing"/"resolved", `receiver` the receiver's name, `groupKey` the fingerprint,
// plus "notification": {"id", "kind", "suppressed"} so consumers can tell reminders apart.
// At most kMaxWebhookBytes: details are dropped from the end (noting how many) to fit.
inline constexpr std::size_t kMaxWebhookBytes = std::size_t{256} * 1024;
std::string webhook_body(const Notification& original, std::string_view receiver,
                         const AgentIdentity& who_original);

// Slack incoming webhook: "text" (the fallback, at most 3000 characters) and "blocks" (a header
// of at most 150 characters, section texts of at most 3000, at most 50 blocks).
std::string slack_body(const Notification& original, const AgentIdentity& who_original);

// PagerDuty Events API v2: event_action "trigger" (firing, escalated, deescalated, reminder,
// test) or "resolve", dedup_key = the alert's fingerprint, payload.summary at most 1024
// characters, severity "warning"/"critical", source = who.instance, custom_details with the
// details; the whole body at most 512 KiB.
std::string pagerduty_body(const Notification& original, std::string_view routing_key,
                           const AgentIdentity& who_original);
inline constexpr std::string_view kPagerDutyEventsUrl = "https://events.pagerduty.com/v2/enqueue";

// Alertmanager API v2 (POST /api/v2/alerts): an array of postable alerts. Labels are the alert's
// labels plus "severity"; annotations summary, description (the details), runbook_url.
// Firing: endsAt = now + `firing_ttl`, so Alertmanager resolves it by itself if the agent stops
// re-sending; resolved: endsAt = the alert's end. Escalated/deescalated also end the alert under
// its previous severity at `now`.
std::string alertmanager_body(const Notification& original, WallClock::time_point now,
                              std::chrono::seconds firing_ttl, const AgentIdentity& who_original);

// exec: the command gets webhook_body() on stdin and these variables (each value at most 4096
// bytes): OPSAGENT_ALERT_ID, _KIND, _STATUS (firing/resolved), _RULE, _NAME (alertname),
// _SEVERITY, _FINGERPRINT, _SUMMARY, _DETAILS (newline-separated), _STARTS_AT, _ENDS_AT (RFC 3339,
// empty while firing), _RUNBOOK_URL, _INSTANCE. Returned as "NAME=value".
std::vector<std::string> exec_environment(const Notification& n, const AgentIdentity& who);

// Standard Webhooks (https://www.standardwebhooks.com): the variable named by secret_env holds
// one secret, or two separated by whitespace while rotating; each "whsec_<base64 key>" (a bare
// base64 key is accepted too). The error names what is wrong, never the secret itself.
std::expected<std::vector<std::string>, std::string> parse_webhook_secrets(std::string_view text);

// The webhook-signature header: "v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>"
// per key, separated by a space.
std::string webhook_signature(const std::vector<std::string>& keys, std::string_view id,
                              std::int64_t timestamp_s, std::string_view body);

// RFC 3339 in UTC with milliseconds: "2026-11-22T03:04:05.123Z".
std::string rfc3339(WallClock::time_point t);

}  // namespace opsagent::alerts
