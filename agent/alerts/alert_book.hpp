// The AlertBook: the lifecycle of every alert, cycle by cycle. A finding is pending until it has
// held for alerts.pending, then fires; a firing alert resolves only after its finding has been
// gone for alerts.keep_firing; a severity change must hold as long (pending to escalate,
// keep_firing to de-escalate) before it is announced, so flapping around a threshold sends
// nothing new. While firing, a reminder goes out every alerts.repeat. Alerts of rules that could
// not be evaluated (database unreachable) are frozen: inhibited, neither resolved nor reminded.
// Time is passed in, so the whole lifecycle is unit-testable. Thread-safety: not thread-safe;
// the Alerter serialises access.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/alerts/alert.hpp"
#include "agent/alerts/rules.hpp"
#include "config/config.hpp"

namespace opsagent::alerts {

struct TrackedAlert {
  enum class Phase { pending, firing };
  Alert alert;  // the latest view: severity, summary, details
  Phase phase = Phase::pending;
  WallClock::time_point seen_since;                   // the finding has held since
  std::optional<WallClock::time_point> absent_since;  // firing, but the finding is gone
  std::optional<Severity> next_severity;              // a change waiting to hold long enough
  WallClock::time_point next_severity_since;
  WallClock::time_point last_notified;  // fired, changed severity or reminded
  // The summary at the incident's worst (by Finding::measure), for the resolve.
  std::string peak_summary;
  std::optional<double> peak;
  bool operator==(const TrackedAlert&) const = default;
};

class AlertBook {
 public:
  // Applies one cycle's outcome at `now`; returns the notifications now due, in order.
  std::vector<Notification> update(const RuleOutcome& outcome, WallClock::time_point now,
                                   const config::AlertsSection& settings,
                                   const std::string& runbook_url);

  // A firing notification for every firing alert: what a new leader announces, since it cannot
  // know what the previous one delivered.
  std::vector<Notification> announce(WallClock::time_point now) const;

  bool active(std::string_view rule) const;  // pending or firing
  std::vector<Alert> firing() const;

  const std::map<std::string, TrackedAlert>& tracked() const { return alerts_; }
  void restore(std::map<std::string, TrackedAlert> alerts) { alerts_ = std::move(alerts); }

 private:
  std::map<std::string, TrackedAlert> alerts_;  // by fingerprint
};

// A notification about `alert` made now, with a fresh id.
Notification notify(NotificationKind kind, const Alert& alert, WallClock::time_point now);

// What `opsagent test-alert` sends: a warning-level alert named OpsagentTestAlert.
Notification test_notification(std::string_view receiver, const std::string& database,
                               WallClock::time_point now);

}  // namespace opsagent::alerts
