// JSON bodies of /health/ready and /health, and the one-line summary of `opsagent check`:
// pure functions of a Snapshot and the readiness decided from it.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "agent/web/json_body.hpp"  // to_body, for the callers that send these bodies
#include "agent/web/render_context.hpp"

namespace opsagent::web {

// Minimal: overall status, reason, snapshot age and each check's pass/fail with the names of
// missing tables and markers. Safe for a public endpoint.
nlohmann::json render_readiness(const RenderContext& ctx);

// What /health and /health/ready show a caller without the token: the verdict, no details.
nlohmann::json render_verdict(const RenderContext& ctx);

// In the spirit of application/health+json: status pass/warn/fail, checks keyed by name, each
// an array of {status, observedValue, observedUnit, time, output, errorClass}.
nlohmann::json render_health(const RenderContext& ctx);

// "pass", "warn" or "fail" for the whole agent.
std::string overall_status(const RenderContext& ctx);

// Nagios plugin style: "OPSAGENT OK - ... | duration=0.004s".
std::string render_check_line(const RenderContext& ctx);

}  // namespace opsagent::web
