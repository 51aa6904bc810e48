// Things a valid config may still get wrong at run time, said once at `validate` and at start:
// work that cannot fit the probe cycle's deadline, and retired names still listed. Warnings, not
// errors: the agent runs, and the slow part is reported as its own failure when it happens.
// Thread-safety: pure function.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace opsagent::config {

std::vector<std::string> config_warnings(const Config& config);

}  // namespace opsagent::config
