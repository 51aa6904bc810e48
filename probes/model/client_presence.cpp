#include "probes/model/client_presence.hpp"

#include <fmt/format.h>

namespace opsagent::probes {

std::optional<CheckResult> client_presence_check(const PoolReport& report) {
  if (report.clients.empty()) return std::nullopt;
  std::vector<std::string> absent;
  for (const auto& c : report.clients) {
    if (c.per_instance.empty()) {
      absent.push_back(fmt::format("{} ({}, none of {} instance{})", c.name, c.pattern, c.instances,
                                   c.instances == 1 ? "" : "s"));
    }
  }
  CheckResult check;
  check.name = "pool:connected";
  check.gates_readiness = false;
  check.status = absent.empty() ? CheckStatus::pass : CheckStatus::warn;
  check.message = absent.empty() ? "every declared client has connections"
                                 : fmt::format(
                                       "no connection from {}: the app may not be serving yet (its "
                                       "pools reconnect on its next requests)",
                                       fmt::join(absent, ", "));
  check.observed_value = static_cast<double>(absent.size());
  check.observed_unit = "clients";
  return check;
}

}  // namespace opsagent::probes
