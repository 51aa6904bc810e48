// The alert rules: what one Snapshot says is wrong right now. Pure functions of the snapshot and
// the config; timing (pending, keep_firing, repeat) is the AlertBook's job, not theirs.
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/alerts/alert.hpp"
#include "config/config.hpp"
#include "probes/model/snapshot.hpp"

namespace opsagent::alerts {

// A problem one rule sees in one snapshot.
struct Finding {
  std::string rule;
  std::map<std::string, std::string> labels;  // alertname + what tells instances apart (client)
  Severity severity = Severity::warning;
  std::string summary;
  std::vector<std::string> details;
  // How bad it is, higher is worse (utilization, seconds, sessions): the alert remembers the
  // summary at its peak for the resolve. nullopt: the first summary stands for the incident.
  std::optional<double> measure = {};
};

struct RuleOutcome {
  std::vector<Finding> findings;
  // Rules that could not look this cycle: the database was unreachable, so what depends on it
  // is unknown, not fine. Their alerts keep their state (neither fire nor resolve): inhibition.
  std::set<std::string> unknown_rules;
  // What the database looks like now, for the resolve of an alert whose finding is gone: a
  // resolve says the numbers at resolve time, not the ones it fired with.
  std::string now = {};
};

// A finding of `rule`, labelled with its alertname and the database it is about.
Finding make_finding(std::string_view rule, std::string alertname, Severity severity,
                     std::string summary, const std::string& database);

// `saturation_active`: the pool saturation alert is pending or firing now, so it stays active
// until utilization drops below alerts.clear_below (hysteresis), not merely below pool.warn.
// `database` (the probe target without password) becomes the "database" label of every alert,
// so agents watching different databases never share a fingerprint.
RuleOutcome evaluate_rules(const probes::Snapshot& snapshot, const config::Config& config,
                           bool saturation_active, const std::string& database);

}  // namespace opsagent::alerts
