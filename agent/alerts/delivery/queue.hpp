// The delivery queue: sends notifications to receivers on its own thread, from bounded
// per-receiver queues, so a slow or hanging receiver never delays probing or serving. After each
// attempt the retry policy (retry_policy.hpp) decides: done, retry later (the job stays the head
// of its queue, so per receiver a resolve never overtakes its firing), give up, or disable the
// receiver (410) until the agent restarts or its configuration changes. The thread sleeps until
// the earliest head is due, a push or a reload wakes it, and it never sleeps longer than a minute
// at once (due times are wall-clock, to survive restarts, so a clock jump is noticed).
// Thread-safety: every public member is safe to call from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "agent/alerts/delivery/job.hpp"
#include "agent/alerts/delivery/receiver_stats.hpp"
#include "agent/alerts/delivery/retry_policy.hpp"
#include "config/config.hpp"

namespace opsagent::alerts {

class DeliveryQueue {
 public:
  using Attempt = std::function<AttemptResult(const config::AlertReceiver&, const DeliveryJob&)>;
  // Called on the delivery thread after every attempt that ends a job (delivered, given up,
  // dropped or disabled), and after every retry is scheduled: the owner persists pending()
  // there. Never with the queue's lock held; never after stop() began (persist pending() once
  // stop() returns).
  using OnChange = std::function<void()>;

  struct Options {
    std::size_t capacity_per_receiver = 256;
    RetryPolicy retry;
  };

  // `attempt` is attempt_delivery bound to the environment (tests inject their own).
  DeliveryQueue(Options options, Attempt attempt, OnChange on_change);
  ~DeliveryQueue();  // stops and joins
  DeliveryQueue(const DeliveryQueue&) = delete;
  DeliveryQueue& operator=(const DeliveryQueue&) = delete;

  // The receivers in force; jobs for receivers no longer configured are dropped (counted) at
  // their turn. A reload passes the new list; a receiver disabled by 410 stays disabled only
  // until its configuration changes.
  void set_receivers(std::vector<config::AlertReceiver> receivers);

  void start();
  // Stops the thread, waiting at most `timeout` for an attempt in flight (which is bounded by
  // its receiver's timeout anyway); undelivered jobs stay in pending(), the one in flight
  // included. When the attempt outlives `timeout`, stop() returns anyway and the thread ends
  // with that attempt (its result is still recorded); the destructor joins it.
  void stop(std::chrono::milliseconds timeout = std::chrono::seconds(2));

  // Queues a job. When that receiver's queue is full, its oldest job that is not a resolve is
  // dropped (counted, logged) to make room; false when the receiver is unknown or disabled.
  // A job whose next_attempt is the epoch is stamped with the time of the push: the thread
  // serves the receiver whose head is due earliest, so work is sent oldest first across
  // receivers.
  bool push(DeliveryJob job);

  // Jobs not yet delivered, in order (for the state file; to requeue after a restart).
  std::vector<DeliveryJob> pending() const;
  std::map<std::string, ReceiverStats> stats() const;

 private:
  void run();
  const config::AlertReceiver* receiver_locked(const std::string& name) const;
  bool drop_unconfigured_locked();  // true when it dropped jobs
  void finish_attempt_locked(DeliveryJob job, const AttemptResult& result, double jitter);
  void notify_change(std::unique_lock<std::mutex>& lock);  // unlocks around on_change_

  Options options_;
  Attempt attempt_;
  OnChange on_change_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<config::AlertReceiver> receivers_;
  std::map<std::string, std::deque<DeliveryJob>> queues_;
  std::map<std::string, ReceiverStats> stats_;
  std::optional<DeliveryJob> in_flight_;
  bool stopping_ = false;
  bool finished_ = true;  // run() has returned, or was never started
  std::mt19937_64 rng_{std::random_device{}()};
  std::mutex lifecycle_mutex_;  // serialises start(), stop() and the destructor (thread_)
  std::thread thread_;
};

}  // namespace opsagent::alerts
