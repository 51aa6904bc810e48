// Probes the upstream APIs ([[upstreams]]) and runs their circuit breakers, apart from the
// database's probe cycle (whose deadline it never touches): one thread per upstream, which sleeps
// until that upstream's next probe is due (every `interval` while closed, once per
// recovery_timeout while open) and runs it under the upstream's own timeout. Every transition is
// logged once, with its reason. After each probe the statuses of all upstreams are published
// whole as an immutable UpstreamBoard, which GET /upstreams/<name> and each probe cycle read
// without waiting for any probe: the only lock a reader shares with the prober is common::Latest's
// pointer swap. Thread-safety: sync() and the destructor from one thread (the daemon's); board()
// from any.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "probes/model/circuit_breaker.hpp"
#include "probes/model/upstream_model.hpp"

namespace opsagent::probes {

// When the next probe of an upstream is due: while closed, `interval` after the last one began
// (at once before the first); while half-open, at once; while open, when half-open is due.
// SteadyClock::time_point::min() means "now".
SteadyClock::time_point next_probe_due(const CircuitBreaker& breaker,
                                       std::optional<SteadyClock::time_point> last_start,
                                       std::chrono::milliseconds interval);

class UpstreamProber {
 public:
  UpstreamProber();
  // Stops every worker: an idle one is joined; one in a probe is left to end by the probe's
  // deadline on its own (it owns what it touches), so shutdown never waits for a slow API.
  ~UpstreamProber();
  UpstreamProber(const UpstreamProber&) = delete;
  UpstreamProber& operator=(const UpstreamProber&) = delete;

  // Starts, changes or stops workers to match `upstreams` (at start and on reload). An upstream
  // whose name and url are unchanged keeps its breaker, counts and latencies, with the new
  // settings applied; any other is started afresh. Publishes the board at once.
  void sync(const std::vector<config::Upstream>& upstreams);

  // The latest board: never nullptr (empty before sync()).
  const UpstreamBoardStore& board() const;

  struct Hub;     // the board and the workers' states, shared with the worker threads
  struct Worker;  // one upstream's state and thread

 private:
  std::shared_ptr<Hub> hub_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace opsagent::probes
