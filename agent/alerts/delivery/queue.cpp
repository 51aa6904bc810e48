#include "agent/alerts/delivery/queue.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/saturating_time.hpp"
#include "config/syntax/duration.hpp"

namespace opsagent::alerts {

namespace {

using std::chrono::milliseconds;

// The delivery thread never waits longer than this at once, so a wall-clock jump (next_attempt
// is wall-clock time: it survives restarts in the state file) is noticed within a minute.
constexpr milliseconds kMaxIdleWait = std::chrono::minutes(1);

std::string alertname_of(const Notification& n) {
  if (auto it = n.alert.labels.find("alertname"); it != n.alert.labels.end()) return it->second;
  return n.alert.rule;
}

bool is_resolve(const DeliveryJob& job) {
  return job.notification.kind == NotificationKind::resolved || job.notification.alert.resolved();
}

// Older than give_up_after at `when`. A notification without a creation time never is.
bool too_old(const DeliveryJob& job, WallClock::time_point when, const RetryPolicy& policy) {
  const auto created = job.notification.created;
  if (created == WallClock::time_point{}) return false;
  return when - created > policy.give_up_after;
}

}  // namespace

DeliveryQueue::DeliveryQueue(Options options, Attempt attempt, OnChange on_change)
    : options_(std::move(options)), attempt_(std::move(attempt)), on_change_(std::move(on_change)) {
  options_.capacity_per_receiver = std::max<std::size_t>(options_.capacity_per_receiver, 1);
}

DeliveryQueue::~DeliveryQueue() {
  std::lock_guard life(lifecycle_mutex_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  // Waits for an attempt in flight: bounded by its receiver's timeout (see attempt_delivery).
  if (thread_.joinable()) thread_.join();
}

const config::AlertReceiver* DeliveryQueue::receiver_locked(const std::string& name) const {
  for (const auto& r : receivers_) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

void DeliveryQueue::set_receivers(std::vector<config::AlertReceiver> receivers) {
  {
    std::lock_guard lock(mutex_);
    for (const auto& r : receivers) {
      auto& st = stats_[r.name];
      if (!st.disabled) continue;
      const auto* old = receiver_locked(r.name);
      if (old == nullptr || !(*old == r)) {
        st.disabled = false;
        spdlog::info("alerts: receiver {} is enabled again: its configuration changed", r.name);
      }
    }
    receivers_ = std::move(receivers);
  }
  cv_.notify_all();
}

void DeliveryQueue::start() {
  std::lock_guard life(lifecycle_mutex_);
  std::unique_lock lock(mutex_);
  if (thread_.joinable()) {
    if (!finished_) {
      stopping_ = false;  // a stop() that timed out: the thread is still there, carry on
      return;
    }
    lock.unlock();
    thread_.join();
    lock.lock();
  }
  stopping_ = false;
  finished_ = false;
  thread_ = std::thread([this] { run(); });
}

void DeliveryQueue::stop(std::chrono::milliseconds timeout) {
  std::lock_guard life(lifecycle_mutex_);
  std::unique_lock lock(mutex_);
  stopping_ = true;
  cv_.notify_all();
  if (!thread_.joinable()) return;
  const bool finished = cv_.wait_for(lock, timeout, [this] { return finished_; });
  lock.unlock();
  if (finished) {
    thread_.join();
  } else {
    // Not detached: the destructor joins it, which waits at most for the attempt's own bound.
    spdlog::warn(
        "alerts: an attempt to deliver a notification is still running after {}; the "
        "delivery thread ends when that attempt's timeout expires",
        config::format_duration(timeout));
  }
}

bool DeliveryQueue::push(DeliveryJob job) {
  {
    std::lock_guard lock(mutex_);
    if (receiver_locked(job.receiver) == nullptr) return false;
    auto& st = stats_[job.receiver];
    if (st.disabled) return false;
    if (job.next_attempt == WallClock::time_point{}) job.next_attempt = WallClock::now();
    auto& queue = queues_[job.receiver];
    while (queue.size() >= options_.capacity_per_receiver) {
      auto victim = std::find_if(queue.begin(), queue.end(),
                                 [](const DeliveryJob& j) { return !is_resolve(j); });
      if (victim == queue.end()) victim = queue.begin();  // all resolves: the oldest goes
      ++st.dropped;
      spdlog::warn(
          "alerts: the delivery queue of receiver {} is full ({} notifications): dropped "
          "the oldest, {} {} (after {} attempt(s)), to make room",
          job.receiver, queue.size(), to_string(victim->notification.kind),
          alertname_of(victim->notification), victim->attempts);
      queue.erase(victim);
    }
    queue.push_back(std::move(job));
  }
  cv_.notify_all();
  return true;
}

std::vector<DeliveryJob> DeliveryQueue::pending() const {
  std::lock_guard lock(mutex_);
  std::vector<DeliveryJob> out;
  bool in_flight_listed = !in_flight_.has_value();
  for (const auto& [name, queue] : queues_) {
    if (!in_flight_listed && in_flight_->receiver == name) {
      out.push_back(*in_flight_);  // it was the head of this queue
      in_flight_listed = true;
    }
    out.insert(out.end(), queue.begin(), queue.end());
  }
  if (!in_flight_listed) out.push_back(*in_flight_);
  return out;
}

std::map<std::string, ReceiverStats> DeliveryQueue::stats() const {
  std::lock_guard lock(mutex_);
  auto out = stats_;
  for (const auto& r : receivers_) out[r.name];
  for (const auto& [name, queue] : queues_) out[name].queued = queue.size();
  if (in_flight_) ++out[in_flight_->receiver].queued;
  return out;
}

void DeliveryQueue::notify_change(std::unique_lock<std::mutex>& lock) {
  if (!on_change_ || stopping_) return;  // after stop() the owner persists pending() itself
  lock.unlock();
  try {
    on_change_();
  } catch (const std::exception& e) {
    spdlog::error("alerts: saving the delivery state failed: {}", e.what());
  } catch (...) {
    spdlog::error("alerts: saving the delivery state failed");
  }
  lock.lock();
}

bool DeliveryQueue::drop_unconfigured_locked() {
  bool dropped = false;
  for (auto it = queues_.begin(); it != queues_.end();) {
    if (receiver_locked(it->first) != nullptr) {
      ++it;
      continue;
    }
    if (!it->second.empty()) {
      stats_[it->first].dropped += it->second.size();
      spdlog::warn(
          "alerts: receiver {} is no longer configured: dropped its {} undelivered "
          "notification(s)",
          it->first, it->second.size());
      dropped = true;
    }
    it = queues_.erase(it);
  }
  return dropped;
}

void DeliveryQueue::finish_attempt_locked(DeliveryJob job, const AttemptResult& result,
                                          double jitter) {
  const auto decision = decide_retry(result, job.attempts, options_.retry, jitter);
  auto& st = stats_[job.receiver];
  const std::string alert = alertname_of(job.notification);
  const auto kind = to_string(job.notification.kind);
  switch (decision.action) {
    case RetryDecision::Action::done:
      ++st.delivered;
      // Alertmanager's refresh goes out every minute while an alert fires: routine, not news.
      spdlog::log(job.notification.kind == NotificationKind::refresh ? spdlog::level::debug
                                                                     : spdlog::level::info,
                  "alerts: delivered {} {} to receiver {}{}", kind, alert, job.receiver,
                  job.attempts > 1 ? fmt::format(" (attempt {})", job.attempts) : "");
      return;
    case RetryDecision::Action::retry: {
      const auto next = common::saturating_add(WallClock::now(), decision.wait);
      if (too_old(job, next, options_.retry)) {
        ++st.failed;
        spdlog::error(
            "alerts: giving up on {} {} for receiver {} after {} attempt(s): {}; it "
            "would be older than {} at the next attempt",
            kind, alert, job.receiver, job.attempts, result.error,
            config::format_duration(options_.retry.give_up_after));
        return;
      }
      ++st.retried;
      spdlog::warn(
          "alerts: delivering {} {} to receiver {} failed: {}; retrying in {} (attempt {} "
          "failed)",
          kind, alert, job.receiver, result.error, config::format_duration(decision.wait),
          job.attempts);
      job.next_attempt = next;
      queues_[job.receiver].push_front(std::move(job));  // still the head: order is kept
      return;
    }
    case RetryDecision::Action::give_up:
      ++st.failed;
      spdlog::error("alerts: giving up on {} {} for receiver {}: {} (not retried)", kind, alert,
                    job.receiver, result.error);
      return;
    case RetryDecision::Action::disable: {
      auto& queue = queues_[job.receiver];
      st.disabled = true;
      st.failed += 1 + queue.size();
      spdlog::error(
          "alerts: receiver {} answered 410 Gone: disabled until the config changes; "
          "{} {} and {} queued notification(s) are dropped as failed. The endpoint "
          "no longer exists (a deleted Slack webhook or PagerDuty integration, a "
          "removed route): point its url/url_env (or routing key) at a live endpoint "
          "and reload (SIGHUP) or restart the agent",
          job.receiver, kind, alert, queue.size());
      queue.clear();
      return;
    }
  }
}

void DeliveryQueue::run() {
  std::unique_lock lock(mutex_);
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  for (;;) {
    if (stopping_) {
      finished_ = true;
      cv_.notify_all();  // stop() waits on it too
      return;
    }
    if (drop_unconfigured_locked()) {
      notify_change(lock);
      continue;
    }
    const auto now = WallClock::now();
    // The receiver whose head is due earliest. push() stamps new jobs with their arrival time,
    // so among receivers with work due now, the oldest work goes first: a backlog (or a
    // retrying receiver) at one receiver does not starve the others.
    const std::string* best = nullptr;
    WallClock::time_point best_due{};
    for (const auto& [name, queue] : queues_) {
      if (queue.empty()) continue;
      const auto due = queue.front().next_attempt;
      if (best == nullptr || due < best_due) {
        best = &name;
        best_due = due;
      }
    }
    if (best == nullptr) {
      cv_.wait_for(lock, kMaxIdleWait);
      continue;
    }
    if (best_due > now) {
      cv_.wait_for(lock, std::min(kMaxIdleWait, std::chrono::ceil<milliseconds>(best_due - now)));
      continue;
    }

    const std::string name = *best;
    auto& queue = queues_[name];
    DeliveryJob job = std::move(queue.front());
    queue.pop_front();
    auto& st = stats_[name];
    if (st.disabled) {  // cannot happen (disabling empties the queue); keep the counts right
      ++st.failed;
      continue;
    }
    if (too_old(job, now, options_.retry)) {
      ++st.failed;
      spdlog::error("alerts: giving up on {} {} for receiver {} after {} attempt(s): older than {}",
                    to_string(job.notification.kind), alertname_of(job.notification), name,
                    job.attempts, config::format_duration(options_.retry.give_up_after));
      notify_change(lock);
      continue;
    }
    const config::AlertReceiver receiver = *receiver_locked(name);  // dropped above otherwise
    in_flight_ = job;

    lock.unlock();
    AttemptResult result;
    try {
      result = attempt_(receiver, job);
    } catch (const std::exception& e) {
      result = config_failure(fmt::format("internal error: {}", e.what()));
    } catch (...) {
      result = config_failure("internal error");
    }
    lock.lock();

    in_flight_.reset();
    ++job.attempts;
    finish_attempt_locked(std::move(job), result, jitter(rng_));
    notify_change(lock);
  }
}

}  // namespace opsagent::alerts
