#include "agent/alerts/payloads/pagerduty.hpp"

#include "agent/alerts/payloads/body_parts.hpp"

namespace opsagent::alerts {

using namespace payload_parts;

namespace {

constexpr std::size_t kPagerDutySummaryChars = 1024;
constexpr std::size_t kMaxPagerDutyBytes = std::size_t{512} * 1024;

}  // namespace

std::string pagerduty_body(const Notification& original, std::string_view routing_key,
                           const AgentIdentity& who_original) {
  const Notification n = sanitized(original);
  const AgentIdentity who = sanitized(who_original);
  const Alert& a = n.alert;
  const std::string key = common::valid_utf8(routing_key);

  if (is_resolved(n)) {
    // PagerDuty needs only these three to resolve; anything else would be ignored.
    return dump(
        json{{"routing_key", key}, {"event_action", "resolve"}, {"dedup_key", a.fingerprint}});
  }

  json labels = json::object();
  for (const auto& [k, v] : a.labels) labels[k] = v;
  const std::string summary = common::cut_chars(summary_of(a), kPagerDutySummaryChars);

  auto build = [&](const std::vector<std::string>& details) {
    json custom = {{"details", details},
                   {"labels", labels},
                   {"kind", to_string(n.kind)},
                   {"notification_id", n.id},
                   {"database", who.database}};
    if (n.kind == NotificationKind::suppressed) custom["suppressed"] = n.suppressed_count;
    if (n.previous_severity) custom["previous_severity"] = to_string(*n.previous_severity);
    json body = {
        {"routing_key", key},
        {"event_action", "trigger"},
        {"dedup_key", a.fingerprint},
        {"payload",
         {{"summary", summary},
          {"source", who.instance.empty() ? std::string("opsagent") : who.instance},
          {"severity", to_string(a.severity)},
          {"timestamp", common::rfc3339(n.created)},
          {"component", "postgres"},
          {"group", a.rule},
          {"class", alertname_of(a)},
          {"custom_details", custom}}},
        {"client", "opsagent"},
    };
    if (!who.external_url.empty()) body["client_url"] = who.external_url;
    if (!a.runbook_url.empty()) {
      body["links"] = json::array({{{"href", a.runbook_url}, {"text", "Runbook"}}});
    }
    return body;
  };
  return fit_details(a.details, kMaxPagerDutyBytes, build);
}

}  // namespace opsagent::alerts
