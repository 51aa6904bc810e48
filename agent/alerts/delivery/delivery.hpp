// Delivery: sends notifications to receivers on its own thread, from bounded per-receiver queues,
// so a slow or hanging receiver never delays probing or serving. Each attempt is bounded by the
// receiver's timeout; failures are retried with exponential backoff and jitter (honouring
// Retry-After), network errors, 408, 429 and 5xx are retried, other 4xx are not, and 410 disables
// the receiver until the agent restarts or reloads. Per receiver, notifications go out in order
// (a resolve never overtakes its firing). Thread-safety: every public member is safe to call from
// any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "agent/alerts/alert.hpp"
#include "agent/alerts/payloads/payloads.hpp"
#include "config/config.hpp"
#include "config/load.hpp"

namespace opsagent::alerts {

// One notification on its way to one receiver.
struct DeliveryJob {
  std::string receiver;  // AlertReceiver::name
  Notification notification;
  int attempts = 0;                      // made so far
  WallClock::time_point next_attempt{};  // not before; epoch: now
};

// What one attempt came to. `error` is for logs: it names the receiver's host or command,
// never a URL path, query, key or secret.
struct AttemptResult {
  enum class Kind { delivered, http_status, network, timeout, config, exec_failed };
  Kind kind = Kind::delivered;
  int status = 0;  // http_status: the code; exec_failed: the exit status (or 128 + signal)
  std::optional<std::chrono::seconds> retry_after;  // from a 429/503 answer
  std::string error;
};

struct RetryPolicy {
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{std::chrono::minutes(5)};
  std::chrono::hours give_up_after{24};  // a notification older than this is dropped as failed
};

// What to do after an attempt.
struct RetryDecision {
  enum class Action { done, retry, give_up, disable } action = Action::done;
  std::chrono::milliseconds wait{0};  // retry: how long before the next attempt
};
// Pure: the retry rules above. `attempts` counts the attempt just made (1 for the first);
// `jitter` is in [0, 1) and spreads the wait over [backoff/2, backoff).
RetryDecision decide_retry(const AttemptResult& result, int attempts, const RetryPolicy& policy,
                           double jitter);

// "Retry-After: 120" or an HTTP date; nullopt when absent or unparsable. Capped at one hour.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      WallClock::time_point now);

// One attempt to deliver `job` to `receiver`: builds the body for the receiver's type, resolves
// url_env/secret_env/routing_key_env through `env` now (a missing variable is a config result,
// not retried), then POSTs it (webhook, slack, pagerduty, alertmanager) or runs the command
// (exec: body on stdin, exec_environment() plus PATH, HOME and LANG in its environment, killed
// with its process group at the timeout).
// Bound: HTTP connects within min(timeout, 5s) and a watchdog shuts the socket down when
// receiver.timeout has passed since the attempt began, so a peer that trickles its answer is cut
// off too; the exception is name resolution and the TLS handshake, which httplib runs under its
// socket lock where the watchdog cannot interrupt them: resolution is bounded by the resolver's
// own timeouts (resolv.conf), the handshake by the connect timeout per step. exec: at most
// receiver.timeout, plus the moment the kernel takes to reap a killed command.
// No redirects are followed; the answer's body is read and discarded.
AttemptResult attempt_delivery(const config::AlertReceiver& receiver, const DeliveryJob& job,
                               const config::Environment& env, const AgentIdentity& who,
                               std::chrono::seconds alertmanager_ttl);

// Counters for /metrics, by receiver.
struct ReceiverStats {
  std::uint64_t delivered = 0;
  std::uint64_t retried = 0;  // attempts that failed and were scheduled again
  std::uint64_t failed = 0;   // given up (4xx other than 408/429/410, too old, config)
  std::uint64_t dropped = 0;  // pushed out of a full queue
  std::size_t queued = 0;     // waiting now
  bool disabled = false;      // answered 410 Gone
};

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
