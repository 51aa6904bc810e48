// GET /upstreams/<name>: the shared circuit breaker's verdict for the app's workers, 200 while
// closed or half-open, 503 while open (with Retry-After: the seconds until the half-open probe),
// 404 for a name no [[upstreams]] entry has. The answer comes from the board the upstream prober
// last published: no I/O, no lock a probe holds. Also the "upstreams" part of /health.
// Thread-safety: pure functions.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "common/clock.hpp"
#include "probes/model/upstream_model.hpp"

namespace opsagent::web {

// 200 or 503 by the breaker's state.
int upstream_http_status(const probes::UpstreamStatus& u);

// Open: whole seconds until the half-open probe (at least 1); nullopt otherwise.
std::optional<long long> upstream_retry_after_s(const probes::UpstreamStatus& u,
                                                SteadyClock::time_point now);

// {"upstream": name, "state": "closed"|"half_open"|"open"}; with `details` (a bearer, or no
// token set) also the breaker's counts, since when and why, the last probe and the latency
// quantiles. Never the URL's query.
nlohmann::json render_upstream(const probes::UpstreamStatus& u, bool details,
                               SteadyClock::time_point now);

}  // namespace opsagent::web
