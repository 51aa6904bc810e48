// The app's [[readiness.http]] checks, each on its own thread, so a check's timeout is its own:
// a slow app never stretches the database probe's deadline, nor one check another's. At most
// one run of each check is in flight; a run still going when the cycle is published is
// reported by a later cycle. Thread-safety: HttpCheckRunners is driven by one thread (the probe
// loop or a CLI command); each HttpCheckRunner synchronises with its own worker thread, which
// also keeps the check's latency history (each finished run counted once, when it ends).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "probes/model/check_result.hpp"
#include "probes/model/latency_history.hpp"

namespace opsagent::probes {

class HttpCheckRunner {
 public:
  // `interval`: the probe interval, which sizes the latency history (an hour of runs).
  HttpCheckRunner(config::HttpCheck check, config::Duration interval);
  // Joins an idle worker; one still in a run is left to end by the check's timeout on its own
  // (it owns what it touches), so a reload or shutdown never waits for a slow app.
  ~HttpCheckRunner();
  HttpCheckRunner(const HttpCheckRunner&) = delete;
  HttpCheckRunner& operator=(const HttpCheckRunner&) = delete;

  const config::HttpCheck& check() const { return state_->check; }
  // Starts a run (deadline: now + the check's timeout) unless one is in flight.
  void start();
  // Waits until no run is in flight, or `until`; returns the latest finished result (nullopt
  // before the first run ended).
  std::optional<CheckResult> collect(SteadyClock::time_point until);
  // The answers' latency per window as of `now`.
  LatencyWindows latency(WallClock::time_point now) const;

 private:
  struct State {
    State(config::HttpCheck c, config::Duration interval)
        : check(std::move(c)), history(interval) {}
    const config::HttpCheck check;
    std::mutex mutex;
    std::condition_variable cv;
    bool requested = false;
    bool running = false;
    bool stopping = false;
    std::optional<CheckResult> latest;
    LatencyHistory history;
  };
  static void work(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_;
  std::thread thread_;
};

class HttpCheckRunners {
 public:
  // Keeps the runners of checks that did not change, so a reload does not lose their results
  // nor their latency history. `interval`: the probe interval, for new runners' histories.
  void sync(const std::vector<config::HttpCheck>& checks, config::Duration interval);
  void start_all();
  // One result per check, in config order: the run of this cycle when it ended by `until`, else
  // the previous one, else a failure saying no answer has come yet.
  std::vector<CheckResult> collect(SteadyClock::time_point until);
  // When every run started now would have ended: now + the longest timeout.
  SteadyClock::time_point all_done_by() const;
  // Each check's latency history ("http:<name>"), in config order.
  std::vector<LatencyTrack> latencies(WallClock::time_point now) const;

 private:
  std::vector<std::unique_ptr<HttpCheckRunner>> runners_;
};

}  // namespace opsagent::probes
