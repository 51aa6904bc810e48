// The config file as a one-shot subcommand (validate, check, wait, test-alert) reads it: loaded
// from the process environment, every problem printed to stderr after `prefix`.
// Thread-safety: reentrant.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"

namespace opsagent::daemon {

std::optional<config::Config> load_or_report(const std::string& path, const char* prefix);

}  // namespace opsagent::daemon
