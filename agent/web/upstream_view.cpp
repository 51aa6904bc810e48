#include "agent/web/upstream_view.hpp"

#include <chrono>

#include "agent/web/latency_view.hpp"
#include "common/text/time_format.hpp"

namespace opsagent::web {

using nlohmann::json;

int upstream_http_status(const probes::UpstreamStatus& u) {
  return u.state == probes::BreakerState::open ? 503 : 200;
}

std::optional<long long> upstream_retry_after_s(const probes::UpstreamStatus& u,
                                                SteadyClock::time_point now) {
  if (u.state != probes::BreakerState::open || !u.half_open_at) return std::nullopt;
  const auto left = std::chrono::ceil<std::chrono::seconds>(*u.half_open_at - now).count();
  return std::max<long long>(left, 1);
}

json render_upstream(const probes::UpstreamStatus& u, bool details, SteadyClock::time_point now) {
  json body{{"upstream", u.name}, {"state", probes::to_string(u.state)}};
  if (!details) return body;
  body["target"] = u.target;
  body["since"] = u.state_since ? json(common::rfc3339(*u.state_since)) : json(nullptr);
  body["reason"] = u.transition_reason;
  body["consecutive_failures"] = u.consecutive_failures;
  body["failure_threshold"] = u.failure_threshold;
  body["recovery_timeout_ms"] = u.recovery_timeout.count();
  if (const auto retry = upstream_retry_after_s(u, now)) body["half_open_in_s"] = *retry;
  body["probes"] = u.probes;
  body["failures"] = u.failures;
  body["opened"] = u.opened;
  body["affects_readiness"] = u.gates_readiness;
  body["latency_ms"] = latency_json(u.latency);
  if (u.last) {
    json last{{"time", common::rfc3339(u.last->at)},
              {"ok", u.last->ok},
              {"duration_ms", static_cast<double>(u.last->duration.count()) / 1000.0},
              {"output", u.last->message}};
    if (u.last->status != 0) last["status"] = u.last->status;
    if (u.last->error != probes::ErrorClass::none) {
      last["errorClass"] = probes::to_string(u.last->error);
    }
    body["last_probe"] = std::move(last);
  } else {
    body["last_probe"] = nullptr;
  }
  return body;
}

}  // namespace opsagent::web
