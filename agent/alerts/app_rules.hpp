// The alert rules over the app's side of a Snapshot: its upstream APIs' circuits, its scheduled
// jobs, its custom queries' thresholds and its container's resources. They need no database
// activity, so they judge (and resolve) even while Postgres cannot be read; each rule that
// cannot look says so in RuleOutcome::unknown_rules itself.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "agent/alerts/rules.hpp"

namespace opsagent::alerts {

// Appends the findings of the app's rules to `out` (evaluate_rules calls it).
void evaluate_app_rules(const probes::Snapshot& snapshot, const config::Config& config,
                        const std::string& database, RuleOutcome& out);

}  // namespace opsagent::alerts
