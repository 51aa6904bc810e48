#include "agent/alerts/payloads/webhook.hpp"

#include "agent/alerts/payloads/body_parts.hpp"

namespace opsagent::alerts {

using namespace payload_parts;

namespace {}  // namespace

std::string webhook_body(const Notification& original, std::string_view receiver,
                         const AgentIdentity& who_original) {
  const Notification n = sanitized(original);
  const AgentIdentity who = sanitized(who_original);
  const Alert& a = n.alert;
  const std::string receiver_name = common::valid_utf8(receiver);
  const json labels = labels_json(a, a.severity);

  auto build = [&](const std::vector<std::string>& details) {
    json annotations = {{"summary", a.summary}, {"description", join_lines(details)}};
    if (!a.runbook_url.empty()) annotations["runbook_url"] = a.runbook_url;
    json alert = {
        {"status", status_of(n)},
        {"labels", labels},
        {"annotations", annotations},
        {"startsAt", common::rfc3339(a.starts_at)},
        {"endsAt",
         is_resolved(n) ? common::rfc3339(a.ends_at.value_or(n.created)) : std::string(kZeroTime)},
        {"generatorURL", who.external_url},
        {"fingerprint", a.fingerprint},
    };
    json notification = {
        {"id", n.id}, {"kind", to_string(n.kind)}, {"suppressed", n.suppressed_count}};
    if (n.previous_severity) notification["previous_severity"] = to_string(*n.previous_severity);
    return json{
        {"version", "4"},
        {"groupKey", a.fingerprint},
        {"truncatedAlerts", 0},
        {"status", status_of(n)},
        {"receiver", receiver_name},
        {"groupLabels", {{"alertname", alertname_of(a)}}},
        {"commonLabels", labels},
        {"commonAnnotations", annotations},
        {"externalURL", who.external_url},
        {"alerts", json::array({alert})},
        {"notification", notification},
        {"agent", {{"instance", who.instance}, {"database", who.database}}},
    };
  };
  return fit_details(a.details, kMaxWebhookBytes, build);
}

}  // namespace opsagent::alerts
