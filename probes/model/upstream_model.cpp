#include "probes/model/upstream_model.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace opsagent::probes {

const UpstreamStatus* UpstreamBoard::find(std::string_view name) const {
  const auto it = std::ranges::find(upstreams, name, &UpstreamStatus::name);
  return it == upstreams.end() ? nullptr : &*it;
}

std::string upstream_check_name(const UpstreamStatus& u) {
  return "upstream:" + u.name;
}

CheckResult upstream_check(const UpstreamStatus& u) {
  CheckResult c;
  c.name = upstream_check_name(u);
  c.gates_readiness = u.gates_readiness;
  c.observed_value = static_cast<double>(u.consecutive_failures);
  c.observed_unit = "consecutive failures";
  if (u.last) {
    c.duration = u.last->duration;
    if (!u.last->ok) c.error = u.last->error;
  }
  const std::string last = u.last ? u.last->message : std::string("not probed yet");
  switch (u.state) {
    case BreakerState::closed:
      c.status = u.consecutive_failures > 0 ? CheckStatus::warn : CheckStatus::pass;
      c.message = u.consecutive_failures > 0
                      ? fmt::format("circuit closed; {} of {} failures before it opens: {}",
                                    u.consecutive_failures, u.failure_threshold, last)
                      : fmt::format("circuit closed: {}", last);
      if (u.consecutive_failures == 0) c.error = ErrorClass::none;
      break;
    case BreakerState::half_open:
      c.status = CheckStatus::warn;
      c.message = fmt::format("circuit half-open, probing once: {}", last);
      break;
    case BreakerState::open:
      c.status = CheckStatus::fail;
      c.message = fmt::format("circuit open: {}", u.transition_reason);
      if (c.error == ErrorClass::none) c.error = ErrorClass::unknown;
      break;
  }
  return c;
}

}  // namespace opsagent::probes
