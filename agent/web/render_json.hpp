// JSON bodies of /health/ready and /health, and the one-line summary of `opsagent check`:
// pure functions of a Snapshot and the readiness decided from it.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/alerts/alerts_status.hpp"
#include "agent/http/connection_stats.hpp"
#include "agent/web/readiness.hpp"
#include "config/config.hpp"
#include "probes/model/snapshot.hpp"

namespace opsagent::web {

struct RenderContext {
  const probes::Snapshot* snapshot = nullptr;  // nullptr before the first cycle
  const config::Config* config = nullptr;      // the config in force; never nullptr when serving
  Readiness readiness;
  SteadyClock::time_point now;
  bool draining = false;
  const alerts::AlertsStatus* alerts = nullptr;        // nullptr: not running as an agent (CLI)
  const http::ConnectionStats* connections = nullptr;  // /metrics only; nullptr elsewhere
};

// Minimal: overall status, reason, snapshot age and each check's pass/fail with the names of
// missing tables and markers. Safe for a public endpoint.
nlohmann::json render_readiness(const RenderContext& ctx);

// In the spirit of application/health+json: status pass/warn/fail, checks keyed by name, each
// an array of {status, observedValue, observedUnit, time, output, errorClass}.
nlohmann::json render_health(const RenderContext& ctx);

// "pass", "warn" or "fail" for the whole agent.
std::string overall_status(const RenderContext& ctx);

// Nagios plugin style: "OPSAGENT OK - ... | duration=0.004s".
std::string render_check_line(const RenderContext& ctx);

// ISO 8601 UTC with milliseconds.
std::string iso8601(std::chrono::system_clock::time_point t);

// dump() that never throws on invalid UTF-8 from the server.
std::string to_body(const nlohmann::json& j);

}  // namespace opsagent::web
