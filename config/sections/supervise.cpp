// [supervise]: what `opsagent run -- CMD...` does with the app it runs.
#include <array>
#include <chrono>

#include "config/key_types.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/choices.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

void set_on_exit(const toml::node& value, const std::string& key, Config& c, Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"exit\"", diag);
  if (!text) return;
  const auto action = parse_on_exit(*text);
  if (!action) return report(diag, value, key, action.error());
  c.supervise.on_exit = *action;
}

constexpr auto kSupervise = &Config::supervise;
using S = SuperviseSection;
using Key = KeySpec<Config>;

const std::array kKeys{
    Key{"supervise", "on_exit", custom<&set_on_exit>("string"), "\"exit\"", Reload::live,
        "in supervise mode (opsagent run -- CMD...), what to do when the app exits on its own: "
        "exit (the agent exits with the app's status, so the platform restarts the container) or "
        "restart (the agent starts the app again after a backoff)"},
    Key{"supervise", "restart_backoff_max",
        duration<kSupervise, &S::restart_backoff_max>(1s, 10min), "\"30s\"", Reload::live,
        "with on_exit = \"restart\": the waits before restarts grow 1s, 2s, 4s, ... up to this; "
        "1s..10m"},
    Key{"supervise", "stop_timeout", duration<kSupervise, &S::stop_timeout>(1s, 10min), "\"10s\"",
        Reload::live,
        "on shutdown, after agent.drain, the agent passes SIGTERM on to the app and waits this "
        "long for it to exit before sending SIGKILL; 1s..10m"},
};

}  // namespace

std::span<const KeySpec<Config>> supervise_keys() {
  return kKeys;
}

}  // namespace opsagent::config
