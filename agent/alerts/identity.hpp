// Who sends a notification: shown in every body so the on-call knows which agent (and database)
// speaks. Filled once by the composition root (agent/daemon/identity.hpp). Thread-safety: plain
// values.
#pragma once

#include <string>

namespace opsagent::alerts {

struct AgentIdentity {
  std::string instance;      // the agent's host name
  std::string database;      // the probe target without password: "db.internal:5432/app"
  std::string external_url;  // where /status can be read, or empty
};

}  // namespace opsagent::alerts
