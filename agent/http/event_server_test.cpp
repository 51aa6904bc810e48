#include "agent/http/event_server.hpp"

#include <dirent.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/http/request_head.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/wait.hpp"

namespace opsagent::agent::http {
namespace {

using namespace std::chrono_literals;
using testing::count_of;
using testing::RawClient;

constexpr const char* kPing = "GET /ping HTTP/1.1\r\nHost: t\r\n\r\n";

// An EventServer on a free loopback port with one route, serving on its own thread.
class Served {
 public:
  explicit Served(std::size_t workers = 2, std::size_t max_connections = 64)
      : server_(workers, max_connections) {
    server_.set_keep_alive_timeout(1);
    server_.set_read_timeout(1, 0);
    server_.set_write_timeout(1, 0);
    server_.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("pong", "text/plain");
    });
    port_ = server_.bind_listener("127.0.0.1", 0);
    thread_ = std::thread([this] { served_ok_ = server_.serve(); });
  }
  ~Served() { stop(); }
  Served(const Served&) = delete;
  Served& operator=(const Served&) = delete;

  void stop() {
    server_.shutdown();
    if (thread_.joinable()) thread_.join();
  }

  int port() const { return port_; }
  EventServer& server() { return server_; }
  bool served_ok() const { return served_ok_; }

  // One GET /ping on a new connection; the time it took, or nullopt without a 200.
  std::optional<std::chrono::milliseconds> ping() const {
    const auto start = std::chrono::steady_clock::now();
    RawClient c(port_);
    if (!c.connected() || !c.send(kPing)) return std::nullopt;
    if (c.read_until("pong", 3s).find("200 OK") == std::string::npos) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
  }

 private:
  EventServer server_;
  int port_ = 0;
  bool served_ok_ = false;
  std::thread thread_;
};

std::size_t thread_count() {
  std::size_t n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (const dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

TEST(EventServer, ServesKeepAliveAndPipelinedRequests) {
  Served s;
  ASSERT_GT(s.port(), 0);
  RawClient c(s.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send(kPing));
  EXPECT_EQ(count_of(c.read_until("pong", 3s), "pong"), 1);
  // Two more on the same connection, sent in one write.
  ASSERT_TRUE(c.send(std::string(kPing) + kPing));
  EXPECT_EQ(count_of(c.read_until("pong", 3s, 3), "pong"), 3);
  EXPECT_EQ(count_of(c.received(), "HTTP/1.1 200 OK"), 3);
  EXPECT_EQ(s.server().stats().accepted, 1u);
}

TEST(EventServer, AnswersARequestSentBeforeTheClientHalfCloses) {
  Served s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send("GET /ping HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(c.wait_closed(3s));
  EXPECT_NE(c.received().find("pong"), std::string::npos);
}

TEST(EventServer, IdleAndSlowClientsDoNotStarveTheWorkers) {
  Served s(2, 256);
  ASSERT_TRUE(s.ping());  // serving: the workers exist
  const auto threads_before = thread_count();
  std::vector<RawClient> idle;
  std::vector<RawClient> slow;
  for (int i = 0; i < 50; ++i) {
    idle.emplace_back(s.port());
    // Keep-alive clients that asked once and then sit on the connection.
    ASSERT_TRUE(idle.back().send(kPing));
    idle.back().read_until("pong", 3s);
    slow.emplace_back(s.port());
    ASSERT_TRUE(slow.back().send("GET /ping HTTP/1.1\r\nHo"));  // and never finish
  }
  // 100 stuck clients against 2 workers: every fresh request is still answered promptly.
  for (int i = 0; i < 5; ++i) {
    const auto took = s.ping();
    ASSERT_TRUE(took);
    EXPECT_LT(*took, 500ms);
  }
  EXPECT_EQ(thread_count(), threads_before);  // no thread per connection
}

TEST(EventServer, SlowHeadGets408AtTheReadTimeoutAndIdleConnectionsClose) {
  Served s;
  RawClient slow(s.port());
  RawClient idle(s.port());
  ASSERT_TRUE(slow.send("GET /ping HTTP/1.1\r\n"));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(slow.wait_closed(5s));
  EXPECT_NE(slow.received().find("HTTP/1.1 408"), std::string::npos) << slow.received();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);  // read timeout is 1 s
  EXPECT_TRUE(idle.wait_closed(5s));
  EXPECT_TRUE(idle.received().empty());
  EXPECT_EQ(s.server().stats().timed_out, 2u);
}

TEST(EventServer, HugeHeadGets431AndIsClosed) {
  Served s;
  RawClient c(s.port());
  const std::string head =
      "GET /ping HTTP/1.1\r\nX-Big: " + std::string(kMaxHeadBytes, 'x') + "\r\n\r\n";
  c.send(head);  // the server may close before all of it is read
  EXPECT_TRUE(c.wait_closed(5s));
  EXPECT_NE(c.received().find("HTTP/1.1 431"), std::string::npos);
  EXPECT_EQ(s.server().stats().head_too_large, 1u);
  EXPECT_TRUE(s.ping());
}

TEST(EventServer, ErrorAnswersCloseTheConnection) {
  Served s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send("NOT-HTTP\r\n\r\n"));
  EXPECT_TRUE(c.wait_closed(3s));
  EXPECT_NE(c.received().find("HTTP/1.1 400"), std::string::npos) << c.received();
}

TEST(EventServer, AtCapacityTheLongestWaitingConnectionMakesRoom) {
  Served s(2, 8);
  std::vector<RawClient> held;
  held.reserve(8);
  for (int i = 0; i < 8; ++i) held.emplace_back(s.port());
  ASSERT_TRUE(testing::eventually([&] { return s.server().stats().accepted == 8; }, 3s));
  const auto took = s.ping();  // a ninth connection: admitted by evicting the oldest
  ASSERT_TRUE(took);
  EXPECT_TRUE(held.front().wait_closed(3s));
  const auto stats = s.server().stats();
  EXPECT_GE(stats.evicted, 1u);
  EXPECT_LE(stats.open_connections, 8u);
}

TEST(EventServer, ShutdownEndsServeWithConnectionsOpen) {
  Served s;
  RawClient idle(s.port());
  RawClient partial(s.port());
  ASSERT_TRUE(partial.send("GET /pi"));
  ASSERT_TRUE(s.ping());
  const auto start = std::chrono::steady_clock::now();
  s.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_TRUE(s.served_ok());
  EXPECT_TRUE(idle.wait_closed(1s));
  EXPECT_TRUE(partial.wait_closed(1s));
}

TEST(EventServer, ShutdownBeforeServeDoesNotHang) {
  EventServer server(1, 4);
  ASSERT_GT(server.bind_listener("127.0.0.1", 0), 0);
  server.shutdown();
  auto served = std::async(std::launch::async, [&] { return server.serve(); });
  ASSERT_EQ(served.wait_for(3s), std::future_status::ready);
  EXPECT_TRUE(served.get());
}

}  // namespace
}  // namespace opsagent::agent::http
