// [agent]: the HTTP server and the probe cycle. agent.listen and agent.http_threads size the
// server, which a reload does not rebuild: they apply at the next start.
#include <array>
#include <chrono>
#include <vector>

#include "config/key_types.hpp"
#include "config/keys.hpp"
#include "config/sections/cross_check.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/duration.hpp"
#include "config/syntax/env_name.hpp"
#include "config/syntax/host_port.hpp"
#include "config/syntax/quoting.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

void set_listen(const toml::node& value, const std::string& key, Config& c, Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"0.0.0.0:8080\"", diag);
  if (!text) return;
  auto listen = parse_listen(*text);
  if (!listen) {
    report(diag, value, key, in_quotes(*text) + " is not a listen address: " + listen.error());
    return;
  }
  c.agent.listen_host = std::move(listen->host);
  c.agent.listen_port = listen->port;
}

bool listen_differs(const Config& a, const Config& b) {
  return a.agent.listen_host != b.agent.listen_host || a.agent.listen_port != b.agent.listen_port;
}

void set_token_env(const toml::node& value, const std::string& key, Config& c, Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"OPSAGENT_TOKEN\"", diag);
  if (!text) return;
  if (!text->empty() && !is_env_name(*text)) {
    // Not echoed, like dsn_env: the token itself pasted here by mistake must not reach the logs.
    return report(diag, value, key,
                  "not an environment variable name (letters, digits and _, not starting with a "
                  "digit); write the name of the variable that holds the token, e.g. "
                  "\"OPSAGENT_TOKEN\" (the token itself never goes in the file), or \"\" for "
                  "no token");
  }
  c.agent.token_env = *text;
}

constexpr auto kAgent = &Config::agent;
using A = AgentSection;
using Key = KeySpec<Config>;

// Every row's fallback must equal the default in config.hpp (example_test checks).
const std::array kKeys{
    Key{"agent", "listen", custom<&set_listen, &listen_differs>("string"), "\"0.0.0.0:8080\"",
        Reload::restart,
        "address the HTTP server binds: \"host:port\"; host is an IPv4 address, a host name or a "
        "bracketed IPv6 address (\"[::]\"); port 1..65535 (the PORT environment variable "
        "overrides the port)"},
    Key{"agent", "interval", duration<kAgent, &A::interval>(100ms, 1h), "\"2s\"", Reload::live,
        "time between probe cycles (less up to 10% jitter); 100ms..1h"},
    Key{"agent", "stale_after", duration<kAgent, &A::stale_after>(1s, 1h), "\"15s\"", Reload::live,
        "a snapshot older than this reports the probe as stalled; 1s..1h and at least interval + "
        "connect_timeout + statement_timeout + 1s ([[readiness.http]] checks run beside the "
        "database probe and add nothing)"},
    Key{"agent", "drain", duration<kAgent, &A::drain>(0s, kMaxDrain), "\"5s\"", Reload::live,
        "after SIGTERM, keep serving (as not ready) this long so load balancers stop sending "
        "traffic; 0s..15m. When the file does not set it and RAILWAY_DEPLOYMENT_DRAINING_SECONDS "
        "(Railway's time from SIGTERM to SIGKILL) is set, the default is half of that, at most "
        "15m, leaving the other half for the supervised app to stop"},
    Key{"agent", "http_threads", integer<kAgent, &A::http_threads>(1, 256, 8), "8", Reload::restart,
        "HTTP worker threads; 1..256"},
    Key{"agent", "rate_limit", integer<kAgent, &A::rate_limit>(0, 10000, 10), "10", Reload::live,
        "requests a second each client address may make to /status and /metrics, in bursts of up "
        "to twice that (IPv6: per /64); beyond it the answer is 429 with Retry-After. "
        "/health, /health/live and /health/ready are never limited. 0 = no limit; 0..10000"},
    Key{"agent", "token_env", custom<&set_token_env>("string"), "\"\"", Reload::live,
        "name of the environment variable holding the bearer token that protects /health "
        "details, /status and /metrics (/health/live and /health/ready stay public); \"\" means "
        "no token: everything is public. Letters, digits and _, not starting with a digit"},
};

}  // namespace

std::span<const KeySpec<Config>> agent_keys() {
  return kKeys;
}

// A snapshot is refreshed once per interval, and a healthy cycle may take up to the cycle
// deadline; a shorter stale_after would report a slow but working probe as stalled. The HTTP
// checks do not count: they run beside the database probe and never hold a cycle past it.
void check_agent(const Config& c, Diagnostics& diag) {
  const std::vector<std::string> keys{"agent.stale_after", "agent.interval",
                                      "database.connect_timeout", "database.statement_timeout"};
  if (any_error(diag, keys)) return;
  const Duration needed = c.agent.interval + c.cycle_deadline();
  if (c.agent.stale_after >= needed) return;
  diag.error(first_set(diag, keys), "agent.stale_after",
             format_duration(c.agent.stale_after) + " is shorter than agent.interval (" +
                 format_duration(c.agent.interval) + ") + database.connect_timeout (" +
                 format_duration(c.database.connect_timeout) + ") + database.statement_timeout (" +
                 format_duration(c.database.statement_timeout) + ") + " +
                 format_duration(Config::kServerGrace) + " grace = " + format_duration(needed) +
                 "; a slow but healthy probe would be reported as stalled; raise "
                 "agent.stale_after to at least " +
                 format_duration(needed) + " or lower the others");
}

}  // namespace opsagent::config
