#include "agent/web/readiness.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/syntax/duration.hpp"

namespace opsagent::web {

Readiness evaluate_readiness(const probes::Snapshot* snapshot, SteadyClock::time_point now,
                             config::Duration stale_after, bool draining,
                             std::string_view app_problem) {
  if (draining) return {false, "draining", "draining: the agent is shutting down"};
  if (!app_problem.empty())
    return {false, "app:process", "app:process: " + std::string(app_problem)};
  if (snapshot == nullptr) {
    return {false, "starting", "starting: no probe cycle has completed yet"};
  }
  const auto age = std::chrono::duration_cast<config::Duration>(now - snapshot->completed);
  if (age > stale_after) {
    return {false, "stalled",
            fmt::format("probe stalled: the latest result is {} old (stale_after {})",
                        config::format_duration(age), config::format_duration(stale_after))};
  }
  if (const auto* failure = snapshot->first_failure()) {
    return {false, failure->name + ":" + std::string(probes::to_string(failure->error)),
            failure->name + ": " + failure->message};
  }
  return {true, "ready", "all readiness checks pass"};
}

bool evaluate_liveness(SteadyClock::time_point heartbeat, SteadyClock::time_point now,
                       config::Duration stale_after) {
  return now - heartbeat <= 2 * stale_after;
}

bool ReadinessLog::observe(const Readiness& r) {
  std::lock_guard lock(mutex_);
  if (last_key_ == r.key) return false;
  const bool first = !last_key_.has_value();
  last_key_ = r.key;
  if (r.ready) {
    spdlog::info("readiness: READY ({})", r.reason);
  } else if (first && r.key == "starting") {
    spdlog::info("readiness: not ready yet ({})", r.reason);
  } else {
    spdlog::warn("readiness: NOT READY: {}", r.reason);
  }
  return true;
}

}  // namespace opsagent::web
