// What the alert hooks send: an Alert (one problem, identified by a stable fingerprint) and a
// Notification (one message about it: it fired, changed severity, is still firing, resolved).
// Rules produce alerts, the AlertBook decides which notifications are due, payload builders turn
// a notification into each receiver's body, and the delivery queue sends it.
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"

namespace opsagent::alerts {

enum class Severity { warning, critical };
std::string_view to_string(Severity s);

// The rules (config::kAlertRules lists them for the config's `rules` keys).
inline constexpr std::string_view kRulePoolSaturation = "pool_saturation";
inline constexpr std::string_view kRuleClientPoolAtLimit = "client_pool_at_limit";
inline constexpr std::string_view kRuleReadiness = "readiness";
inline constexpr std::string_view kRuleIdleInTransaction = "idle_in_transaction";
inline constexpr std::string_view kRuleLongTransaction = "long_transaction";
inline constexpr std::string_view kRuleLockWaits = "lock_waits";
inline constexpr std::string_view kRulePgBouncerQueue = "pgbouncer_queue";
inline constexpr std::string_view kRuleUpstreamCircuitOpen = "upstream_circuit_open";
inline constexpr std::string_view kRuleJobStale = "job_stale";
inline constexpr std::string_view kRuleJobFailing = "job_failing";
inline constexpr std::string_view kRuleQueryThreshold = "query_threshold";
inline constexpr std::string_view kRuleContainerCpu = "container_cpu";
inline constexpr std::string_view kRuleContainerMemory = "container_memory";
inline constexpr std::string_view kRuleLockQueue = "lock_queue";
inline constexpr std::string_view kRulePoolExhaustionForecast = "pool_exhaustion_forecast";
inline constexpr std::string_view kRuleLeakedConnections = "leaked_connections";
inline constexpr std::string_view kRuleSessionsTerminated = "sessions_terminated";
inline constexpr std::string_view kRuleTest = "test";  // `opsagent test-alert`, routed everywhere

// One problem as the receivers see it. `labels` identify it (alertname plus, e.g., the client);
// severity is carried beside them so a change of severity updates the same alert.
struct Alert {
  std::string rule;         // one of kAllRules
  std::string fingerprint;  // 16 hex digits of SHA-256 over the labels: same on every agent
  Severity severity = Severity::warning;
  std::map<std::string, std::string> labels;  // always has "alertname"
  std::string summary;                        // one line: "Postgres connections at 96% (93/97)"
  // Context for the on-call, one fact per line: used/usable/%, top applications by state, the
  // oldest idle-in-transaction session, the budget arithmetic, the readiness reason.
  std::vector<std::string> details;
  std::string runbook_url;                       // empty when not configured
  WallClock::time_point starts_at;               // when it (first) fired
  std::optional<WallClock::time_point> ends_at;  // set once resolved

  bool resolved() const { return ends_at.has_value(); }
  bool operator==(const Alert&) const = default;
};

enum class NotificationKind {
  firing,       // newly firing
  escalated,    // warning -> critical
  deescalated,  // critical -> warning (still firing)
  reminder,     // still firing after alerts.repeat
  refresh,      // still firing: the periodic re-send Alertmanager needs (kAlertmanagerResend)
  resolved,     // over
  test,         // `opsagent test-alert`
  suppressed,   // summary: "N more notifications suppressed by the rate limit"
};
std::string_view to_string(NotificationKind k);

struct Notification {
  std::string id;  // unique per notification: "webhook-id", idempotency key; also in the state file
  NotificationKind kind = NotificationKind::firing;
  Alert alert;
  WallClock::time_point created;
  int suppressed_count = 0;  // kind suppressed: how many were held back
  // escalated/deescalated: the severity before. Alertmanager keys alerts by labels, severity
  // among them, so the old one is ended there explicitly.
  std::optional<Severity> previous_severity;
};

// The fingerprint of a label set: stable across agents and restarts, so PagerDuty's dedup_key
// and a webhook consumer's grouping see one alert however many agents report it.
std::string fingerprint_of(const std::map<std::string, std::string>& labels);

// A fresh random notification id ("msg_" + 24 hex digits).
std::string new_notification_id();

}  // namespace opsagent::alerts
