#include "agent/alerts/payloads/alertmanager.hpp"

#include "common/saturating_time.hpp"

#include "agent/alerts/payloads/body_parts.hpp"

namespace opsagent::alerts {

using namespace payload_parts;

namespace {

// Alertmanager has no documented limit, but a description beyond this helps nobody.
constexpr std::size_t kMaxAlertmanagerDescriptionBytes = std::size_t{64} * 1024;

}  // namespace

std::string alertmanager_body(const Notification& original, WallClock::time_point now,
                              std::chrono::seconds firing_ttl, const AgentIdentity& who_original) {
  const Notification n = sanitized(original);
  const AgentIdentity who = sanitized(who_original);
  const Alert& a = n.alert;

  // Alertmanager has no documented limit, but a description beyond this helps nobody.
  const std::vector<std::string> details = fit_lines(a.details, kMaxAlertmanagerDescriptionBytes,
                                                     [](std::string_view l) { return l.size(); });

  json annotations = {{"summary", summary_of(a)}};
  if (!details.empty()) annotations["description"] = join_lines(details);
  if (!a.runbook_url.empty()) annotations["runbook_url"] = a.runbook_url;

  auto postable = [&](Severity severity, WallClock::time_point ends) {
    json alert = {{"labels", labels_json(a, severity)},
                  {"annotations", annotations},
                  {"startsAt", common::rfc3339(a.starts_at)},
                  {"endsAt", common::rfc3339(ends)}};
    // Alertmanager validates generatorURL as a URI: leave it out rather than send "".
    if (!who.external_url.empty()) alert["generatorURL"] = who.external_url;
    return alert;
  };

  json body = json::array();
  if (is_resolved(n)) {
    body.push_back(postable(a.severity, a.ends_at.value_or(now)));
  } else {
    body.push_back(postable(a.severity, common::saturating_add(now, firing_ttl)));
    if (n.kind == NotificationKind::escalated || n.kind == NotificationKind::deescalated) {
      const Severity before = n.previous_severity.value_or(
          n.kind == NotificationKind::escalated ? Severity::warning : Severity::critical);
      if (before != a.severity) body.push_back(postable(before, now));
    }
  }
  return dump(body);
}

}  // namespace opsagent::alerts
