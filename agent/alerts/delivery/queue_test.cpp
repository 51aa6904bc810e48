// The delivery queue: order, retries, Retry-After, 410, full queues, removed receivers, stop().
#include "agent/alerts/delivery/queue.hpp"

#include <atomic>
#include <condition_variable>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <gtest/gtest.h>

#include "agent/alerts/delivery/delivery_test_helpers.hpp"

namespace opsagent::alerts::delivery_testing {
namespace {

DeliveryQueue::Options fast_options() {
  DeliveryQueue::Options o;
  o.retry.first_backoff = 10ms;
  o.retry.max_backoff = 50ms;
  return o;
}

DeliveryQueue::Attempt real_attempt(config::Environment env = env_of({})) {
  return [env = std::move(env)](const config::AlertReceiver& r, const DeliveryJob& j) {
    return attempt_delivery(r, j, env, who(), 300s);
  };
}

ReceiverStats stats_of(const DeliveryQueue& q, const std::string& name) {
  const auto all = q.stats();
  auto it = all.find(name);
  return it == all.end() ? ReceiverStats{} : it->second;
}

TEST(DeliveryQueue, ServerErrorIsRetriedThenDelivered) {
  CaptureServer server([](const httplib::Request&, httplib::Response& res, int index) {
    res.status = index == 0 ? 500 : 200;
  });
  ASSERT_TRUE(server.running());
  std::atomic<int> changes{0};
  DeliveryQueue q(fast_options(), real_attempt(), [&] { ++changes; });
  q.set_receivers({receiver("hook", Type::webhook, server.url("/in"))});
  q.start();
  const auto n = make_notification("A");
  ASSERT_TRUE(q.push(job_for("hook", n)));
  ASSERT_TRUE(eventually([&] { return stats_of(q, "hook").delivered == 1; }, 10s));
  const auto st = stats_of(q, "hook");
  EXPECT_EQ(st.retried, 1u);
  EXPECT_EQ(st.failed, 0u);
  EXPECT_EQ(st.queued, 0u);
  EXPECT_EQ(server.count(), 2u);
  EXPECT_TRUE(q.pending().empty());
  EXPECT_GE(changes.load(), 2);  // the retry, then the delivery
  const auto requests = server.requests();
  EXPECT_EQ(requests[0].body, requests[1].body);
}

// Alertmanager's minute-by-minute refresh is routine: only a real notification is logged at info
// (it used to read "delivered reminder" every minute, with alerts.repeat at 4h).
TEST(DeliveryQueue, AlertmanagerRefreshIsNotLoggedAsNews) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  sink->set_pattern("%l %v");
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(logger);
  {
    CaptureServer server(
        [](const httplib::Request&, httplib::Response& res, int) { res.status = 200; });
    ASSERT_TRUE(server.running());
    DeliveryQueue q(fast_options(), real_attempt(), nullptr);
    q.set_receivers({receiver("am", Type::alertmanager, server.url(""))});
    q.start();
    ASSERT_TRUE(q.push(job_for("am", make_notification("A", NotificationKind::refresh))));
    ASSERT_TRUE(q.push(job_for("am", make_notification("B", NotificationKind::reminder))));
    EXPECT_TRUE(eventually([&] { return stats_of(q, "am").delivered == 2; }, 10s));
    q.stop(1s);
  }
  spdlog::set_default_logger(previous);
  const std::string text = log.str();
  EXPECT_NE(text.find("debug alerts: delivered refresh A to receiver am"), std::string::npos)
      << text;
  EXPECT_NE(text.find("info alerts: delivered reminder B to receiver am"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("info alerts: delivered refresh"), std::string::npos) << text;
}

TEST(DeliveryQueue, TooManyRequestsWaitsForRetryAfter) {
  CaptureServer server([](const httplib::Request&, httplib::Response& res, int index) {
    if (index == 0) {
      res.status = 429;
      res.set_header("Retry-After", "1");
    }
  });
  ASSERT_TRUE(server.running());
  DeliveryQueue q(fast_options(), real_attempt(), {});
  q.set_receivers({receiver("hook", Type::webhook, server.url("/in"))});
  q.start();
  ASSERT_TRUE(q.push(job_for("hook", make_notification("A"))));
  ASSERT_TRUE(eventually([&] { return stats_of(q, "hook").delivered == 1; }, 10s));
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(requests[1].at - requests[0].at, 1s);
}

TEST(DeliveryQueue, ClientErrorIsNotRetried) {
  CaptureServer server(
      [](const httplib::Request&, httplib::Response& res, int) { res.status = 400; });
  ASSERT_TRUE(server.running());
  DeliveryQueue q(fast_options(), real_attempt(), {});
  q.set_receivers({receiver("hook", Type::webhook, server.url("/in"))});
  q.start();
  ASSERT_TRUE(q.push(job_for("hook", make_notification("A"))));
  ASSERT_TRUE(eventually([&] { return stats_of(q, "hook").failed == 1; }, 10s));
  q.stop();
  EXPECT_EQ(server.count(), 1u);
  EXPECT_EQ(stats_of(q, "hook").retried, 0u);
  EXPECT_TRUE(q.pending().empty());
}

TEST(DeliveryQueue, GoneDisablesTheReceiverUntilItsConfigChanges) {
  CaptureServer server(
      [](const httplib::Request&, httplib::Response& res, int) { res.status = 410; });
  ASSERT_TRUE(server.running());
  DeliveryQueue q(fast_options(), real_attempt(), {});
  const auto r = receiver("hook", Type::webhook, server.url("/in"));
  q.set_receivers({r});
  ASSERT_TRUE(q.push(job_for("hook", make_notification("A"))));
  ASSERT_TRUE(q.push(job_for("hook", make_notification("B"))));
  q.start();
  ASSERT_TRUE(eventually([&] { return stats_of(q, "hook").disabled; }, 10s));
  auto st = stats_of(q, "hook");
  EXPECT_EQ(st.failed, 2u);  // the one answered 410 and the one queued behind it
  EXPECT_EQ(st.queued, 0u);
  EXPECT_EQ(server.count(), 1u);
  EXPECT_FALSE(q.push(job_for("hook", make_notification("C"))));
  EXPECT_TRUE(q.pending().empty());

  q.set_receivers({r});  // a reload with the same configuration: still disabled
  EXPECT_TRUE(stats_of(q, "hook").disabled);
  EXPECT_FALSE(q.push(job_for("hook", make_notification("C"))));

  auto changed = r;
  changed.timeout = 3s;
  q.set_receivers({changed});
  EXPECT_FALSE(stats_of(q, "hook").disabled);
  EXPECT_TRUE(q.push(job_for("hook", make_notification("C"))));
}

TEST(DeliveryQueue, HangingReceiverDoesNotHoldUpAnother) {
  const testing::SilentTcpListener silent;
  ASSERT_GT(silent.port(), 0);
  CaptureServer server;
  ASSERT_TRUE(server.running());
  auto q = std::make_unique<DeliveryQueue>(fast_options(), real_attempt(), [] {});
  q->set_receivers({receiver("stuck", Type::webhook, url_of(silent, "/x"), 1s),
                    receiver("ok", Type::webhook, server.url("/in"))});
  q->start();
  ASSERT_TRUE(q->push(job_for("stuck", make_notification("A"))));
  // Each waits at most for the one stuck attempt in flight when it arrives: it is due before the
  // stuck receiver's retry, so it goes first. Counted in attempts, not measured in time.
  for (std::size_t i = 1; i <= 3; ++i) {
    const auto stuck_before = stats_of(*q, "stuck").retried;
    ASSERT_TRUE(q->push(job_for("ok", make_notification("B"))));
    ASSERT_TRUE(eventually([&] { return stats_of(*q, "ok").delivered == i; }, 10s));
    EXPECT_LE(stats_of(*q, "stuck").retried - stuck_before, 1u) << "delivery " << i;
  }
  EXPECT_EQ(server.count(), 3u);

  // The stuck receiver is retried for ever; an attempt is in flight (or about to be).
  ASSERT_TRUE(eventually([&] { return stats_of(*q, "stuck").retried >= 2; }, 8s));
  q->stop(200ms);  // returns though an attempt may be in flight (see the test below)
  const auto pending = q->pending();
  ASSERT_EQ(pending.size(), 1u);  // the stuck one, kept for the state file
  EXPECT_EQ(pending[0].receiver, "stuck");
  EXPECT_GE(pending[0].attempts, 2);

  q.reset();  // joins: waits at most for the attempt in flight (its 1s timeout)
}

// ---------------------------------------------------------------------------------------------
// DeliveryQueue with a scripted attempt

class Recorder {
 public:
  using Respond = std::function<AttemptResult(const DeliveryJob&, int call)>;
  explicit Recorder(Respond respond) : respond_(std::move(respond)) {}

  DeliveryQueue::Attempt attempt() {
    return [this](const config::AlertReceiver&, const DeliveryJob& job) {
      int call = 0;
      {
        std::lock_guard lock(mutex_);
        call = static_cast<int>(calls_.size());
        calls_.push_back(job.notification.id);
      }
      return respond_(job, call);
    };
  }
  std::vector<std::string> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  Respond respond_;
  mutable std::mutex mutex_;
  std::vector<std::string> calls_;
};

TEST(DeliveryQueue, FullQueueDropsTheOldestNonResolve) {
  DeliveryQueue::Options options;
  options.capacity_per_receiver = 3;
  Recorder recorder([](const DeliveryJob&, int) { return result_of(Kind::delivered); });
  DeliveryQueue q(options, recorder.attempt(), {});
  q.set_receivers({receiver("hook", Type::webhook, "http://127.0.0.1:9/")});
  // Not started: the jobs stay queued.
  const auto a1 = make_notification("A1");
  const auto r1 = make_notification("R1", NotificationKind::resolved);
  const auto a2 = make_notification("A2");
  const auto a3 = make_notification("A3");
  const auto a4 = make_notification("A4");
  for (const auto& n : {a1, r1, a2}) ASSERT_TRUE(q.push(job_for("hook", n)));
  EXPECT_EQ(stats_of(q, "hook").dropped, 0u);
  ASSERT_TRUE(q.push(job_for("hook", a3)));  // drops a1, keeps the resolve
  ASSERT_TRUE(q.push(job_for("hook", a4)));  // drops a2
  const auto pending = q.pending();
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].notification.id, r1.id);
  EXPECT_EQ(pending[1].notification.id, a3.id);
  EXPECT_EQ(pending[2].notification.id, a4.id);
  const auto st = stats_of(q, "hook");
  EXPECT_EQ(st.dropped, 2u);
  EXPECT_EQ(st.queued, 3u);

  // All resolves: the oldest resolve makes room.
  DeliveryQueue only_resolves(options, recorder.attempt(), {});
  only_resolves.set_receivers({receiver("hook", Type::webhook, "http://127.0.0.1:9/")});
  std::vector<Notification> rs;
  for (int i = 0; i < 4; ++i) {
    rs.push_back(make_notification("R" + std::to_string(i), NotificationKind::resolved));
    ASSERT_TRUE(only_resolves.push(job_for("hook", rs.back())));
  }
  const auto kept = only_resolves.pending();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].notification.id, rs[1].id);
  EXPECT_TRUE(recorder.calls().empty());
}

TEST(DeliveryQueue, UnknownReceiverIsRefused) {
  Recorder recorder([](const DeliveryJob&, int) { return result_of(Kind::delivered); });
  DeliveryQueue q({}, recorder.attempt(), {});
  q.set_receivers({receiver("hook", Type::webhook, "http://127.0.0.1:9/")});
  EXPECT_FALSE(q.push(job_for("nobody", make_notification("A"))));
  EXPECT_TRUE(q.pending().empty());
}

TEST(DeliveryQueue, ResolveNeverOvertakesItsFiring) {
  Recorder recorder([](const DeliveryJob&, int call) {
    return call < 2 ? result_of(Kind::network) : result_of(Kind::delivered);
  });
  DeliveryQueue q(fast_options(), recorder.attempt(), {});
  q.set_receivers({receiver("hook", Type::webhook, "http://127.0.0.1:9/")});
  const auto firing = make_notification("A");
  auto resolved = firing;
  resolved.id = new_notification_id();
  resolved.kind = NotificationKind::resolved;
  resolved.alert.ends_at = WallClock::now();
  ASSERT_TRUE(q.push(job_for("hook", firing)));
  ASSERT_TRUE(q.push(job_for("hook", resolved)));
  q.start();
  ASSERT_TRUE(eventually([&] { return stats_of(q, "hook").delivered == 2; }, 10s));
  const std::vector<std::string> expected = {firing.id, firing.id, firing.id, resolved.id};
  EXPECT_EQ(recorder.calls(), expected);
  EXPECT_EQ(stats_of(q, "hook").retried, 2u);
}

TEST(DeliveryQueue, OldNotificationsAreGivenUp) {
  Recorder recorder([](const DeliveryJob&, int) { return result_of(Kind::delivered); });
  std::atomic<int> changes{0};
  DeliveryQueue q(fast_options(), recorder.attempt(), [&] { ++changes; });
  q.set_receivers({receiver("hook", Type::webhook, "http://127.0.0.1:9/")});
  auto old = make_notification("A");
  old.created = WallClock::now() - std::chrono::hours(25);
  ASSERT_TRUE(q.push(job_for("hook", old)));
  q.start();
  ASSERT_TRUE(eventually([&] { return stats_of(q, "hook").failed == 1; }, 10s));
  EXPECT_TRUE(recorder.calls().empty());
  EXPECT_TRUE(eventually([&] { return changes.load() >= 1; }, 10s));
}

TEST(DeliveryQueue, JobsOfRemovedReceiversAreDropped) {
  Recorder recorder([](const DeliveryJob&, int) { return result_of(Kind::delivered); });
  DeliveryQueue q(fast_options(), recorder.attempt(), {});
  q.set_receivers({receiver("gone", Type::webhook, "http://127.0.0.1:9/"),
                   receiver("kept", Type::webhook, "http://127.0.0.1:9/")});
  ASSERT_TRUE(q.push(job_for("gone", make_notification("A"))));
  ASSERT_TRUE(q.push(job_for("kept", make_notification("B"))));
  q.set_receivers({receiver("kept", Type::webhook, "http://127.0.0.1:9/")});
  q.start();
  ASSERT_TRUE(eventually([&] { return stats_of(q, "gone").dropped == 1; }, 10s));
  ASSERT_TRUE(eventually([&] { return stats_of(q, "kept").delivered == 1; }, 10s));
  EXPECT_EQ(recorder.calls().size(), 1u);
  EXPECT_TRUE(q.pending().empty());
}

TEST(DeliveryQueue, StopReturnsWithinItsTimeoutWhileAnAttemptHangs) {
  struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool entered = false;
    bool open = false;
    bool left = false;
  };
  Gate gate;
  std::atomic<int> changes{0};
  auto q = std::make_unique<DeliveryQueue>(
      fast_options(),
      [&](const config::AlertReceiver&, const DeliveryJob&) {
        std::unique_lock lock(gate.m);
        gate.entered = true;
        gate.cv.notify_all();
        gate.cv.wait_for(lock, 10s, [&] { return gate.open; });  // bounded, like a real attempt
        gate.left = true;
        return result_of(Kind::delivered);
      },
      [&] { ++changes; });
  q->set_receivers({receiver("hook", Type::webhook, "http://127.0.0.1:9/")});
  q->start();
  const auto n = make_notification("A");
  ASSERT_TRUE(q->push(job_for("hook", n)));
  {
    std::unique_lock lock(gate.m);
    ASSERT_TRUE(gate.cv.wait_for(lock, 5s, [&] { return gate.entered; }));
  }
  q->stop(100ms);
  {
    // stop() returned while the attempt still waits at its gate: it did not wait for it.
    std::lock_guard lock(gate.m);
    EXPECT_FALSE(gate.left);
  }
  const auto pending = q->pending();  // the job in flight is still pending
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].notification.id, n.id);
  EXPECT_EQ(stats_of(*q, "hook").queued, 1u);
  {
    std::lock_guard lock(gate.m);
    gate.open = true;
  }
  gate.cv.notify_all();
  q.reset();                     // joins the thread once the attempt returns
  EXPECT_EQ(changes.load(), 0);  // no callback after stop()
}

}  // namespace
}  // namespace opsagent::alerts::delivery_testing
