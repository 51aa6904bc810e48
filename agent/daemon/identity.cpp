#include "agent/daemon/identity.hpp"

#include <unistd.h>

#include <array>

#include "config/load.hpp"
#include "probes/postgres/pg_connection.hpp"

namespace opsagent::daemon {

std::string target_display(const config::Config& c) {
  auto dsn = config::process_environment()(c.database.dsn_env);
  if (!dsn) return "(" + c.database.dsn_env + " is not set)";
  auto target = probes::make_connection_target(*dsn, c.database);
  return target ? target->display : "(" + c.database.dsn_env + " is not a valid database URL)";
}

alerts::AgentIdentity identity_for(const config::Config& c) {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  return {.instance = host[0] != '\0' ? host.data() : "opsagent",
          .database = target_display(c),
          .external_url = ""};
}

}  // namespace opsagent::daemon
