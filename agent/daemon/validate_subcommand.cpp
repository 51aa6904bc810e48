// `opsagent validate`: load the config file, list every problem, and the warnings.
#include <iostream>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "agent/alerts/delivery/receiver_env.hpp"
#include "agent/daemon/subcommand_config.hpp"
#include "agent/daemon/subcommands.hpp"
#include "config/load.hpp"
#include "config/warnings.hpp"

namespace opsagent::daemon {

namespace {

std::string counted(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// What the agent will watch with this config: the readiness gate always, the rest when declared,
// so a block that did not parse as intended (a [[jobs]] nested under another table) shows as
// missing from the count.
std::string inventory(const config::Config& c) {
  std::string out =
      counted(c.readiness.expected_tables.size(), "expected table", "expected tables") + ", " +
      counted(c.readiness.migrations.size(), "migration marker", "migration markers");
  const std::pair<std::size_t, std::pair<const char*, const char*>> rest[] = {
      {c.readiness.http.size(), {"http check", "http checks"}},
      {c.pool.clients.size(), {"pool client", "pool clients"}},
      {c.upstreams.size(), {"upstream", "upstreams"}},
      {c.jobs.size(), {"job", "jobs"}},
      {c.queries.size(), {"query", "queries"}},
      {c.alerts.receivers.size(), {"alert receiver", "alert receivers"}}};
  for (const auto& [n, words] : rest) {
    if (n > 0) out += ", " + counted(n, words.first, words.second);
  }
  return out;
}

}  // namespace

int validate_subcommand(const std::string& path) {
  auto config = load_or_report(path, "");
  if (!config) return kUnknown;
  std::cout << fmt::format("{}: OK ({})\n", path, inventory(*config));
  for (const auto& w : config::config_warnings(*config)) std::cerr << "warning: " << w << "\n";
  for (const auto& w : alerts::receiver_env_findings(*config, config::process_environment())) {
    std::cerr << "warning: " << w << "\n";
  }
  return kOk;
}

}  // namespace opsagent::daemon
