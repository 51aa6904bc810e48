// What `opsagent validate` can tell about the receivers' environment variables before the agent
// runs: a url_env that is set now but holds a URL the sender would refuse (a user name or
// password, a fragment, another scheme, ...). The config file only names the variable, so the
// loader cannot see this; delivery would fail at the first alert. Unset variables are not
// reported: validate often runs where the secrets are not (a CI job, a laptop).
// Thread-safety: pure function (reads `env`).
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/load.hpp"

namespace opsagent::alerts {

// One warning per receiver whose url_env holds an unusable URL, naming the receiver (by its
// config key and name) and the variable, never any part of the URL.
std::vector<std::string> receiver_env_findings(const config::Config& config,
                                               const config::Environment& env);

}  // namespace opsagent::alerts
