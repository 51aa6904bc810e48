#include "agent/alerts/alert_book.hpp"

#include <algorithm>

namespace opsagent::alerts {

Notification notify(NotificationKind kind, const Alert& alert, WallClock::time_point now) {
  Notification n;
  n.id = new_notification_id();
  n.kind = kind;
  n.alert = alert;
  n.created = now;
  return n;
}

Notification test_notification(std::string_view receiver, const std::string& database,
                               WallClock::time_point now) {
  Alert a;
  a.rule = std::string(kRuleTest);
  a.labels = {{"alertname", "OpsagentTestAlert"}, {"database", database}};
  a.fingerprint = fingerprint_of(a.labels);
  a.severity = Severity::warning;
  a.summary = "opsagent test notification for receiver " + std::string(receiver) +
              ": if you can read this, alerts reach you";
  a.details = {"sent by `opsagent test-alert`; nothing is wrong"};
  a.starts_at = now;
  return notify(NotificationKind::test, a, now);
}

std::vector<Notification> AlertBook::update(const RuleOutcome& outcome, WallClock::time_point now,
                                            const config::AlertsSection& settings,
                                            const std::string& runbook_url) {
  std::vector<Notification> out;
  std::map<std::string, const Finding*> present;
  for (const auto& f : outcome.findings) present[fingerprint_of(f.labels)] = &f;

  for (const auto& [fp, finding] : present) {
    auto [it, fresh] = alerts_.try_emplace(fp);
    TrackedAlert& t = it->second;
    if (fresh) {
      t.alert.rule = finding->rule;
      t.alert.fingerprint = fp;
      t.alert.labels = finding->labels;
      t.alert.severity = finding->severity;
      t.alert.starts_at = now;
      t.seen_since = now;
    }
    t.alert.summary = finding->summary;
    t.alert.details = finding->details;
    if (t.peak_summary.empty() || (finding->measure && (!t.peak || *finding->measure > *t.peak))) {
      t.peak = finding->measure;
      t.peak_summary = finding->summary;
    }
    t.alert.runbook_url = runbook_url;
    t.absent_since.reset();
    if (t.phase == TrackedAlert::Phase::pending) {
      t.alert.severity = finding->severity;
      if (now - t.seen_since >= settings.pending) {
        t.phase = TrackedAlert::Phase::firing;
        t.alert.starts_at = now;
        t.last_notified = now;
        out.push_back(notify(NotificationKind::firing, t.alert, now));
      }
      continue;
    }
    if (finding->severity == t.alert.severity) {
      t.next_severity.reset();
    } else {
      if (t.next_severity != finding->severity) {
        t.next_severity = finding->severity;
        t.next_severity_since = now;
      }
      const bool up = finding->severity == Severity::critical;
      if (now - t.next_severity_since >= (up ? settings.pending : settings.keep_firing)) {
        const Severity before = t.alert.severity;
        t.alert.severity = finding->severity;
        t.next_severity.reset();
        t.last_notified = now;
        auto n =
            notify(up ? NotificationKind::escalated : NotificationKind::deescalated, t.alert, now);
        n.previous_severity = before;
        out.push_back(std::move(n));
        continue;
      }
    }
    if (settings.repeat.count() > 0 && now - t.last_notified >= settings.repeat) {
      t.last_notified = now;
      out.push_back(notify(NotificationKind::reminder, t.alert, now));
    }
  }

  for (auto it = alerts_.begin(); it != alerts_.end();) {
    TrackedAlert& t = it->second;
    if (present.contains(it->first) || outcome.unknown_rules.contains(t.alert.rule)) {
      ++it;  // present, or inhibited: frozen as it is
      continue;
    }
    if (t.phase == TrackedAlert::Phase::pending) {
      it = alerts_.erase(it);  // gone before it fired: nobody needs to hear of it
      continue;
    }
    if (!t.absent_since) t.absent_since = now;
    if (now - *t.absent_since >= settings.keep_firing) {
      t.alert.ends_at = now;
      // The firing numbers would be wrong now: say what the database looks like at resolve time
      // and how bad the incident got.
      t.alert.summary = "resolved: now " + outcome.now + "; peak: " + t.peak_summary;
      t.alert.details = {"now: " + outcome.now, "peak: " + t.peak_summary};
      out.push_back(notify(NotificationKind::resolved, t.alert, now));
      it = alerts_.erase(it);
      continue;
    }
    ++it;
  }
  return out;
}

std::vector<Notification> AlertBook::announce(WallClock::time_point now) const {
  std::vector<Notification> out;
  for (const auto& [fp, t] : alerts_) {
    if (t.phase == TrackedAlert::Phase::firing) {
      out.push_back(notify(NotificationKind::firing, t.alert, now));
    }
  }
  return out;
}

bool AlertBook::active(std::string_view rule) const {
  return std::ranges::any_of(alerts_, [&](const auto& kv) { return kv.second.alert.rule == rule; });
}

std::vector<Alert> AlertBook::firing() const {
  std::vector<Alert> out;
  for (const auto& [fp, t] : alerts_) {
    if (t.phase == TrackedAlert::Phase::firing) out.push_back(t.alert);
  }
  return out;
}

}  // namespace opsagent::alerts
