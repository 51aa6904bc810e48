// Names of environment variables, as the config names the variables holding DSNs, tokens and
// receiver secrets (the values themselves never go in the file). Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace opsagent::config {

// [A-Za-z_][A-Za-z0-9_]*: a name every shell and process manager can set.
bool is_env_name(std::string_view text);

}  // namespace opsagent::config
