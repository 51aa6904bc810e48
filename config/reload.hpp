// What a reload (SIGHUP) cannot apply: keys whose table row says Reload::restart (agent.listen,
// agent.http_threads: the HTTP server is built once). The daemon logs the warning and applies
// the rest. Thread-safety: pure function over two Configs.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"

namespace opsagent::config {

// When `next` changes a key that applies only at the next start: the warning to log, naming
// every such key ("agent.listen and agent.http_threads apply at the next restart").
std::optional<std::string> restart_warning(const Config& in_force, const Config& next);

}  // namespace opsagent::config
