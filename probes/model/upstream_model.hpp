// What the agent knows about each upstream API ([[upstreams]]): its breaker's state, the latest
// probe, failure counts and its latency history. The upstream prober publishes an UpstreamBoard
// after every probe; GET /upstreams/<name> reads the board, and each Snapshot carries a copy for
// the views, /health's "upstream:<name>" checks, /metrics and the alert rule.
// Thread-safety: plain values; a published board is immutable and shared as
// std::shared_ptr<const UpstreamBoard> (common::Latest).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/latest.hpp"
#include "probes/model/check_result.hpp"
#include "probes/model/circuit_breaker.hpp"
#include "probes/model/latency_history.hpp"

namespace opsagent::probes {

// One probe of an upstream.
struct UpstreamProbe {
  WallClock::time_point at;  // when it ended
  bool ok = false;
  int status = 0;  // the HTTP status when one came; 0 otherwise
  ErrorClass error = ErrorClass::none;
  std::string message;  // one line for people, without the URL's query; never a secret
  std::chrono::microseconds duration{0};
};

struct UpstreamStatus {
  std::string name;
  std::string target;  // scheme://host[:port]/path: the URL without its query (it may hold a token)
  BreakerState state = BreakerState::closed;
  // When the breaker entered its state (wall clock, for people); nullopt: closed since the start.
  std::optional<WallClock::time_point> state_since;
  // Open: when the half-open probe is due (steady clock, for Retry-After). nullopt otherwise.
  std::optional<SteadyClock::time_point> half_open_at;
  std::string transition_reason;  // why the breaker entered its state; empty: it never moved
  int consecutive_failures = 0;
  int failure_threshold = 5;
  std::chrono::milliseconds recovery_timeout{60000};
  std::uint64_t probes = 0;    // since the agent started
  std::uint64_t failures = 0;  // of those, failed
  std::uint64_t opened = 0;    // times the circuit opened
  std::optional<UpstreamProbe> last;
  // Of the probes that got an answer (any status), per window, as of the last probe.
  LatencyWindows latency = empty_latency_windows();
  bool gates_readiness = false;
};

struct UpstreamBoard {
  std::vector<UpstreamStatus> upstreams;  // in config order
  const UpstreamStatus* find(std::string_view name) const;
};

// Where the upstream prober publishes its board and the probe loop and the HTTP handlers read
// it (probes/upstreams/upstream_prober.hpp).
using UpstreamBoardStore = common::Latest<UpstreamBoard>;

// "upstream:<name>": the upstream's check name in /health, /status and /metrics.
std::string upstream_check_name(const UpstreamStatus& u);

// "upstream:<name>": pass while closed with no failure since the last success (or before the
// first probe); warn while closed with failures below the threshold, or half-open; fail while
// open. Gates readiness only with gates_readiness = true.
CheckResult upstream_check(const UpstreamStatus& u);

}  // namespace opsagent::probes
