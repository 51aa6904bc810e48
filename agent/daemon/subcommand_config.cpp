#include "agent/daemon/subcommand_config.hpp"

#include <iostream>

#include "config/load.hpp"

namespace opsagent::daemon {

std::optional<config::Config> load_or_report(const std::string& path, const char* prefix) {
  auto loaded = config::load_config_file(path, config::process_environment());
  if (!loaded) {
    for (const auto& e : loaded.error()) std::cerr << prefix << e.to_string() << "\n";
    return std::nullopt;
  }
  return std::move(*loaded);
}

}  // namespace opsagent::daemon
