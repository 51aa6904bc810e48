#include "config/keys.hpp"

#include <algorithm>

#include "config/sections/sections.hpp"

namespace opsagent::config {

std::span<const KeySpec<Config>> config_keys() {
  // Built once (a function-local static is initialised thread-safely), in the order
  // `opsagent validate` and the docs show the sections.
  static const std::vector<KeySpec<Config>> keys = [] {
    std::vector<KeySpec<Config>> all;
    for (const auto section :
         {agent_keys(), log_keys(), database_keys(), readiness_keys(), pool_keys(),
          pgbouncer_keys(), supervise_keys(), deploy_keys(), alerts_keys(), container_keys(),
          locks_keys(), upstreams_keys(), jobs_keys(), queries_keys()}) {
      all.insert(all.end(), section.begin(), section.end());
    }
    return all;
  }();
  return keys;
}

std::vector<std::string_view> config_sections() {
  std::vector<std::string_view> out;
  for (const auto& spec : config_keys()) {
    if (spec.section.empty()) continue;  // a root key, not a section
    if (std::ranges::find(out, spec.section) == out.end()) out.push_back(spec.section);
  }
  return out;
}

std::vector<std::string_view> entry_sections_of(std::string_view section, std::string_view name) {
  std::vector<std::string_view> out;
  const auto find = [&](auto keys) {
    for (const auto& spec : keys) {
      if (spec.name == name && spec.section.starts_with(section) &&
          spec.section.size() > section.size() && spec.section[section.size()] == '.') {
        out.push_back(spec.section);
      }
    }
  };
  find(marker_keys());
  find(client_keys());
  find(http_keys());
  find(alert_receiver_keys());
  return out;
}

}  // namespace opsagent::config
