// `opsagent validate`: load the config file, list every problem, and the warnings.
#include <iostream>

#include <fmt/format.h>

#include "agent/alerts/delivery/receiver_env.hpp"
#include "agent/daemon/subcommand_config.hpp"
#include "agent/daemon/subcommands.hpp"
#include "config/load.hpp"
#include "config/warnings.hpp"

namespace opsagent::daemon {

int validate_subcommand(const std::string& path) {
  auto config = load_or_report(path, "");
  if (!config) return kUnknown;
  std::cout << fmt::format("{}: OK ({} expected tables, {} migration markers)\n", path,
                           config->readiness.expected_tables.size(),
                           config->readiness.migrations.size());
  for (const auto& w : config::config_warnings(*config)) std::cerr << "warning: " << w << "\n";
  for (const auto& w : alerts::receiver_env_findings(*config, config::process_environment())) {
    std::cerr << "warning: " << w << "\n";
  }
  return kOk;
}

}  // namespace opsagent::daemon
