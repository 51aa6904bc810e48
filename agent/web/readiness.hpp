// Deciding readiness and liveness from the latest Snapshot. Pure functions of their arguments,
// so /health/ready, /health, `opsagent check` and the transition log all agree.
// Thread-safety: evaluate_* are pure; ReadinessLog is safe to call from any thread.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "probes/model/snapshot.hpp"

namespace opsagent::web {

struct Readiness {
  bool ready = false;
  std::string key;     // what kind of state: "ready", "draining", "starting", "stalled", or
                       // "<check>:<error class>"; a change of key is a transition worth a log line
  std::string reason;  // for people: "schema:tables: missing tables: permits"
};

// `app_problem`: in supervise mode, why the app process is not running (empty when it is).
Readiness evaluate_readiness(const probes::Snapshot* snapshot, SteadyClock::time_point now,
                             config::Duration stale_after, bool draining,
                             std::string_view app_problem = {});

// Alive while the probe loop beats: it beats at least every interval + cycle deadline, which
// stale_after bounds; twice that leaves room for a loaded machine.
bool evaluate_liveness(SteadyClock::time_point heartbeat, SteadyClock::time_point now,
                       config::Duration stale_after);

// Logs each readiness transition once, with its reason.
class ReadinessLog {
 public:
  // Returns true when `r` is a transition (and was logged).
  bool observe(const Readiness& r);

 private:
  std::mutex mutex_;
  std::optional<std::string> last_key_;
};

}  // namespace opsagent::web
