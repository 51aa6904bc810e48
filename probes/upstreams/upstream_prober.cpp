#include "probes/upstreams/upstream_prober.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/saturating_time.hpp"
#include "config/syntax/duration.hpp"
#include "config/syntax/http_url.hpp"
#include "probes/http/upstream_request.hpp"

namespace opsagent::probes {

namespace {

// One upstream's breaker and history, shared by its thread and the publisher; the mutex is never
// held across a probe.
struct WorkerState {
  explicit WorkerState(config::Upstream u)
      : upstream(std::move(u)),
        breaker(upstream.failure_threshold, upstream.recovery_timeout),
        latency(upstream.interval) {
    const auto url = config::parse_receiver_url(upstream.url);
    target = url ? upstream_target(*url) : std::string("(invalid url)");
  }

  // What the board shows of this upstream now.
  UpstreamStatus status() const {
    std::lock_guard lock(mutex);
    UpstreamStatus s = history;
    s.name = upstream.name;
    s.target = target;
    s.state = breaker.state();
    s.half_open_at = breaker.half_open_at();
    s.consecutive_failures = breaker.consecutive_failures();
    s.failure_threshold = breaker.failure_threshold();
    s.recovery_timeout = breaker.recovery_timeout();
    s.latency = latency.summarize(WallClock::now());
    s.gates_readiness = upstream.gates_readiness;
    return s;
  }

  mutable std::mutex mutex;
  std::condition_variable cv;
  config::Upstream upstream;
  std::string target;
  CircuitBreaker breaker;
  LatencyHistory latency;
  UpstreamStatus history;  // counts, the last probe, the last transition
  std::optional<SteadyClock::time_point> last_start;
  bool stopping = false;
  bool changed = false;  // the settings changed: recompute when the next probe is due
  bool probing = false;
};

// The log line of a transition, once per transition; the state's start and reason for the views.
void note(WorkerState& s, const BreakerTransition& t) {
  s.history.state_since = WallClock::now();
  s.history.transition_reason = t.reason;
  if (t.to == BreakerState::open) ++s.history.opened;
  spdlog::log(t.to == BreakerState::open ? spdlog::level::warn : spdlog::level::info,
              "upstream {}: circuit {} -> {}: {}", s.upstream.name, to_string(t.from),
              to_string(t.to), t.reason);
}

void record(WorkerState& s, UpstreamProbe probe, SteadyClock::time_point now) {
  ++s.history.probes;
  if (!probe.ok) ++s.history.failures;
  // Latency of the answers only: a timeout measures the timeout, a refusal nothing.
  if (probe.status != 0) s.latency.add(probe.at, probe.duration);
  spdlog::debug("upstream {}: {}", s.upstream.name, probe.message);
  const auto t =
      probe.ok ? s.breaker.record_success(now) : s.breaker.record_failure(now, probe.message);
  s.history.last = std::move(probe);
  if (t) note(s, *t);
}

}  // namespace

struct UpstreamProber::Hub {
  UpstreamBoardStore board{std::make_shared<const UpstreamBoard>()};
  std::mutex mutex;                                  // guards `states` and orders the publications
  std::vector<std::shared_ptr<WorkerState>> states;  // in config order

  // Hub mutex, then each state's in turn: a worker never holds its own while publishing.
  void publish() {
    std::lock_guard lock(mutex);
    auto next = std::make_shared<UpstreamBoard>();
    next->upstreams.reserve(states.size());
    for (const auto& s : states) next->upstreams.push_back(s->status());
    board.set(std::move(next));
  }
};

struct UpstreamProber::Worker {
  Worker(std::shared_ptr<Hub> hub, std::shared_ptr<WorkerState> s)
      : state(std::move(s)), thread([hub = std::move(hub), s = state] { run(*hub, *s); }) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker() {
    bool busy = false;
    {
      std::lock_guard lock(state->mutex);
      state->stopping = true;
      busy = state->probing;
    }
    state->cv.notify_all();
    // A probe in flight ends by its deadline; the thread holds what it touches (the lambda's
    // shared_ptrs) and returns without publishing.
    if (busy) {
      thread.detach();
    } else {
      thread.join();
    }
  }

  static void run(Hub& hub, WorkerState& s) {
    std::unique_lock lock(s.mutex);
    for (;;) {
      const auto due = next_probe_due(s.breaker, s.last_start, s.upstream.interval);
      if (due != SteadyClock::time_point::min()) {
        s.cv.wait_until(lock, due, [&] { return s.stopping || s.changed; });
      }
      if (s.stopping) return;
      if (s.changed) {
        s.changed = false;
        continue;
      }
      const auto now = SteadyClock::now();
      if (now < due) continue;  // woken early
      if (const auto t = s.breaker.advance(now)) {
        note(s, *t);
        lock.unlock();
        hub.publish();
        lock.lock();
        if (s.stopping) return;
      }
      const config::Upstream upstream = s.upstream;
      s.last_start = now;
      s.probing = true;
      lock.unlock();
      auto probe = probe_upstream(upstream, common::saturating_add(now, upstream.timeout));
      lock.lock();
      s.probing = false;
      if (s.stopping) return;
      record(s, std::move(probe), SteadyClock::now());
      lock.unlock();
      hub.publish();
      lock.lock();
    }
  }

  std::shared_ptr<WorkerState> state;
  std::thread thread;  // last: started once `state` is set
};

SteadyClock::time_point next_probe_due(const CircuitBreaker& breaker,
                                       std::optional<SteadyClock::time_point> last_start,
                                       std::chrono::milliseconds interval) {
  switch (breaker.state()) {
    case BreakerState::open:
      return breaker.half_open_at().value_or(SteadyClock::time_point::min());
    case BreakerState::half_open:
      return SteadyClock::time_point::min();
    case BreakerState::closed:
      break;
  }
  return last_start ? common::saturating_add(*last_start, interval)
                    : SteadyClock::time_point::min();
}

UpstreamProber::UpstreamProber() : hub_(std::make_shared<Hub>()) {}

UpstreamProber::~UpstreamProber() {
  workers_.clear();
}

const UpstreamBoardStore& UpstreamProber::board() const {
  return hub_->board;
}

void UpstreamProber::sync(const std::vector<config::Upstream>& upstreams) {
  std::vector<std::unique_ptr<Worker>> next;
  std::vector<std::shared_ptr<WorkerState>> states;
  for (const auto& u : upstreams) {
    const auto same = std::ranges::find_if(workers_, [&](const auto& w) {
      return w && w->state->upstream.name == u.name && w->state->upstream.url == u.url;
    });
    if (same != workers_.end()) {
      auto& s = *(*same)->state;
      {
        std::lock_guard lock(s.mutex);
        if (s.upstream != u) {
          s.upstream = u;
          s.breaker.configure(u.failure_threshold, u.recovery_timeout);
          s.changed = true;
        }
      }
      s.cv.notify_all();
      next.push_back(std::move(*same));
    } else {
      auto state = std::make_shared<WorkerState>(u);
      spdlog::info(
          "upstream {}: probing {} every {} (timeout {}; the circuit opens after {} "
          "consecutive failures, then one probe every {})",
          u.name, state->target, config::format_duration(u.interval),
          config::format_duration(u.timeout), u.failure_threshold,
          config::format_duration(u.recovery_timeout));
      next.push_back(std::make_unique<Worker>(hub_, state));
    }
    states.push_back(next.back()->state);
  }
  {
    std::lock_guard lock(hub_->mutex);
    hub_->states = std::move(states);
  }
  workers_.swap(next);
  next.clear();  // the upstreams no longer configured: their workers stop
  hub_->publish();
}

}  // namespace opsagent::probes
