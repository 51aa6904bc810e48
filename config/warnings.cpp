#include "config/warnings.hpp"

#include <algorithm>

#include "config/syntax/duration.hpp"

namespace opsagent::config {

std::vector<std::string> config_warnings(const Config& config) {
  std::vector<std::string> out;
  const auto markers = std::ranges::count(config.readiness.migrations, MigrationMarker::Kind::query,
                                          &MigrationMarker::kind);
  // Query markers run after the main statements, inside the same cycle deadline; each may run
  // up to statement_timeout before the server cancels it.
  const Duration worst = config.database.statement_timeout * markers;
  if (markers > 1 && worst > config.cycle_deadline()) {
    out.push_back(
        "readiness.migrations: the " + std::to_string(markers) + " query markers may take up to " +
        format_duration(worst) + " (" + std::to_string(markers) + " x database.statement_timeout " +
        format_duration(config.database.statement_timeout) +
        "), more than one probe cycle allows (" + format_duration(config.cycle_deadline()) +
        ": connect_timeout + statement_timeout + 1s); markers still running then are reported as "
        "not judged (schema:migrations, timeout). Keep marker queries fast, use fewer, or lower "
        "database.statement_timeout");
  }
  for (std::size_t i = 0; i < config.alerts.receivers.size(); ++i) {
    if (std::ranges::find(config.alerts.receivers[i].rules, kRetiredBudgetRule) !=
        config.alerts.receivers[i].rules.end()) {
      out.push_back("alerts.receivers[" + std::to_string(i) +
                    "].rules: pool_budget is no longer an alert rule: a pool budget that cannot "
                    "fit is a fact of the configuration, reported as a finding (logged at start "
                    "and when it changes, shown in /status and /health), not an incident; remove "
                    "it from rules");
    }
  }
  return out;
}

}  // namespace opsagent::config
