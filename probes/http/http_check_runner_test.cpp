#include "probes/http/http_check_runner.hpp"

#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;

// An app whose answer waits until the test releases it: a run stays in flight exactly as long
// as the test wants, with no timing involved.
class HeldApp {
 public:
  HeldApp() {
    server_.Get("/", [this](const httplib::Request&, httplib::Response& res) {
      if (++requests_ == 1) arrived_.set_value();
      released_.wait();
      res.set_content("ok", "text/plain");
    });
    // Bound and listening from here: connections wait in the backlog until listen_after_bind.
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  HeldApp(const HeldApp&) = delete;
  HeldApp& operator=(const HeldApp&) = delete;
  HeldApp(HeldApp&&) = delete;
  HeldApp& operator=(HeldApp&&) = delete;
  ~HeldApp() {
    release();
    server_.stop();
    thread_.join();
  }
  void release() {
    if (!done_.exchange(true)) promise_.set_value();
  }
  int requests() const { return requests_.load(); }
  void wait_for_first_request() { arrived_.get_future().wait(); }
  config::HttpCheck check() const {
    return {.name = "app",
            .url = "http://127.0.0.1:" + std::to_string(port_) + "/",
            .expect_status = 200,
            .timeout = 60s};
  }

 private:
  httplib::Server server_;
  std::promise<void> promise_;
  std::promise<void> arrived_;
  std::shared_future<void> released_ = promise_.get_future().share();
  std::atomic<bool> done_{false};
  std::atomic<int> requests_{0};
  int port_ = 0;
  std::thread thread_;
};

TEST(HttpCheckRunners, ASlowCheckIsReportedWithoutBeingAwaited) {
  HeldApp app;
  HttpCheckRunners runners;
  runners.sync({app.check()}, std::chrono::seconds(2));
  runners.start_all();
  // Not awaited: no answer yet, and the collect returns at once.
  auto first = runners.collect(SteadyClock::now());
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].name, "http:app");
  EXPECT_EQ(first[0].status, CheckStatus::fail);
  EXPECT_NE(first[0].message.find("no answer yet"), std::string::npos);
  // The run in flight is not started twice.
  runners.start_all();
  app.release();
  auto second = runners.collect(SteadyClock::now() + 60s);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].status, CheckStatus::pass) << second[0].message;
  EXPECT_EQ(app.requests(), 1);
}

TEST(HttpCheckRunners, SyncKeepsUnchangedChecksAndTheirResults) {
  HeldApp app;
  app.release();
  HttpCheckRunners runners;
  runners.sync({app.check()}, std::chrono::seconds(2));
  runners.start_all();
  ASSERT_EQ(runners.collect(SteadyClock::now() + 60s)[0].status, CheckStatus::pass);
  runners.sync({app.check()}, std::chrono::seconds(2));  // a reload that left the check alone
  auto kept = runners.collect(SteadyClock::now());
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].status, CheckStatus::pass);
  runners.sync({}, std::chrono::seconds(2));
  EXPECT_TRUE(runners.collect(SteadyClock::now()).empty());
}

TEST(HttpCheckRunners, EachAnswerCountsOnceInTheLatencyHistoryAndRefusalsNever) {
  HeldApp app;
  app.release();
  config::HttpCheck refused{
      .name = "down", .url = "http://127.0.0.1:1/", .expect_status = 200, .timeout = 60s};
  HttpCheckRunners runners;
  runners.sync({app.check(), refused}, std::chrono::seconds(2));
  for (int run = 0; run < 3; ++run) {
    runners.start_all();
    const auto results = runners.collect(SteadyClock::now() + 60s);
    ASSERT_EQ(results.size(), 2u);
    ASSERT_EQ(results[0].status, CheckStatus::pass) << results[0].message;
    ASSERT_EQ(results[1].error, ErrorClass::refused) << results[1].message;
  }
  // A collect that finds no new run (none started) must not count the last one again.
  runners.collect(SteadyClock::now());
  const auto tracks = runners.latencies(WallClock::now());
  ASSERT_EQ(tracks.size(), 2u);
  EXPECT_EQ(tracks[0].check, "http:app");
  for (const auto& w : tracks[0].windows) {
    EXPECT_EQ(w.latency.samples, 3u) << window_label(w.window);
    EXPECT_TRUE(w.latency.p99_ms.has_value());
  }
  EXPECT_EQ(tracks[1].check, "http:down");
  for (const auto& w : tracks[1].windows) EXPECT_EQ(w.latency.samples, 0u);
}

// A reload that drops a check, or shutdown, must not wait for a slow app: the run in flight
// ends on its own. (If the destructor waited, this test would never get to release the app.)
TEST(HttpCheckRunners, DroppingARunnerDoesNotWaitForItsRunInFlight) {
  HeldApp app;
  {
    HttpCheckRunners runners;
    runners.sync({app.check()}, std::chrono::seconds(2));
    runners.start_all();
    app.wait_for_first_request();
    runners.sync({}, std::chrono::seconds(2));  // destroys the runner while its request is held
  }
  app.release();
  EXPECT_EQ(app.requests(), 1);
}

}  // namespace
}  // namespace opsagent::probes
