#include "probes/http/http_check_runner.hpp"

#include <algorithm>

#include "config/syntax/duration.hpp"
#include "probes/http/http_check.hpp"

namespace opsagent::probes {

HttpCheckRunner::HttpCheckRunner(config::HttpCheck check, config::Duration interval)
    : state_(std::make_shared<State>(std::move(check), interval)),
      thread_([state = state_] { work(state); }) {}

HttpCheckRunner::~HttpCheckRunner() {
  bool busy = false;
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    busy = state_->running;
  }
  state_->cv.notify_all();
  if (busy) {
    thread_.detach();
  } else {
    thread_.join();
  }
}

void HttpCheckRunner::start() {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->requested || state_->running) return;
    state_->requested = true;
  }
  state_->cv.notify_all();
}

std::optional<CheckResult> HttpCheckRunner::collect(SteadyClock::time_point until) {
  std::unique_lock lock(state_->mutex);
  state_->cv.wait_until(lock, until, [this] { return !state_->requested && !state_->running; });
  return state_->latest;
}

LatencyWindows HttpCheckRunner::latency(WallClock::time_point now) const {
  std::lock_guard lock(state_->mutex);
  return state_->history.summarize(now);
}

void HttpCheckRunner::work(const std::shared_ptr<State>& state) {
  std::unique_lock lock(state->mutex);
  for (;;) {
    state->cv.wait(lock, [&] { return state->requested || state->stopping; });
    if (state->stopping) return;
    state->requested = false;
    state->running = true;
    lock.unlock();
    auto result = run_http_check(state->check, SteadyClock::now() + state->check.timeout);
    const auto ended = WallClock::now();
    lock.lock();
    if (got_answer(result)) state->history.add(ended, result.duration);
    state->latest = std::move(result);
    state->running = false;
    state->cv.notify_all();
  }
}

void HttpCheckRunners::sync(const std::vector<config::HttpCheck>& checks,
                            config::Duration interval) {
  std::vector<std::unique_ptr<HttpCheckRunner>> next;
  next.reserve(checks.size());
  for (const auto& check : checks) {
    auto same =
        std::ranges::find_if(runners_, [&](const auto& r) { return r && r->check() == check; });
    next.push_back(same != runners_.end() ? std::move(*same)
                                          : std::make_unique<HttpCheckRunner>(check, interval));
  }
  runners_ = std::move(next);
}

void HttpCheckRunners::start_all() {
  for (auto& r : runners_) r->start();
}

std::vector<CheckResult> HttpCheckRunners::collect(SteadyClock::time_point until) {
  std::vector<CheckResult> out;
  out.reserve(runners_.size());
  for (auto& r : runners_) {
    if (auto result = r->collect(until)) {
      out.push_back(std::move(*result));
      continue;
    }
    CheckResult c;
    c.name = http_check_name(r->check());
    c.status = CheckStatus::fail;
    c.error = ErrorClass::timeout;
    c.message = "GET " + r->check().url + ": no answer yet (timeout " +
                config::format_duration(r->check().timeout) + ")";
    out.push_back(std::move(c));
  }
  return out;
}

SteadyClock::time_point HttpCheckRunners::all_done_by() const {
  config::Duration longest{0};
  for (const auto& r : runners_) longest = std::max(longest, r->check().timeout);
  return SteadyClock::now() + longest;
}

std::vector<LatencyTrack> HttpCheckRunners::latencies(WallClock::time_point now) const {
  std::vector<LatencyTrack> out;
  out.reserve(runners_.size());
  for (const auto& r : runners_) out.push_back({http_check_name(r->check()), r->latency(now)});
  return out;
}

}  // namespace opsagent::probes
