#include "agent/http/event_server.hpp"

#include <dirent.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/http/request_head.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/wait.hpp"

namespace opsagent::http {
namespace {

using namespace std::chrono_literals;
using testing::count_of;
using testing::RawClient;

constexpr const char* kPing = "GET /ping HTTP/1.1\r\nHost: t\r\n\r\n";
constexpr std::size_t kBigBody = std::size_t{100} * 1024 + 7;  // /big: several 16 KiB sends

// An EventServer on a free loopback port with two routes, serving on its own thread.
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
    server_.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(kBigBody, 'b') + "end", "text/plain");
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

// A /ping answer that shows what it was given: 503 for "Bearer down", the Authorization value
// in the body. `direct` also registers it as a direct route.
class PingServer {
 public:
  explicit PingServer(bool direct) : server_(2, 16) {
    server_.set_keep_alive_max_count(2);
    server_.set_keep_alive_timeout(1);
    server_.Get("/ping", [this](const httplib::Request& req, httplib::Response& res) {
      ++routed_;
      const DirectAnswer a = answer(req.get_header_value("Authorization"));
      res.status = a.status;
      res.set_header("Cache-Control", "no-store");
      res.set_content(a.body, std::string(a.content_type));
    });
    if (direct) {
      server_.direct_get("/ping", [this](const DirectRequest& req) {
        ++direct_;
        return std::optional(answer(req.authorization));
      });
    }
    port_ = server_.bind_listener("127.0.0.1", 0);
    thread_ = std::thread([this] { server_.serve(); });
  }
  ~PingServer() {
    server_.shutdown();
    thread_.join();
  }
  PingServer(const PingServer&) = delete;
  PingServer& operator=(const PingServer&) = delete;

  // Sends `request` on a new connection; what came back once `needle` was seen `count` times,
  // or, with an empty needle, once the server closed.
  std::string exchange(std::string_view request, std::string_view needle, int count = 1) const {
    RawClient c(port_);
    if (!c.send(request)) return "<send failed>";
    if (needle.empty()) return c.wait_closed(3s) ? c.received() : "<not closed>";
    return c.read_until(needle, 3s, count);
  }
  int direct() const { return direct_; }
  int routed() const { return routed_; }

 private:
  static DirectAnswer answer(std::string_view authorization) {
    return {authorization == "Bearer down" ? 503 : 200, "text/plain",
            "pong " + std::string(authorization)};
  }

  EventServer server_;
  std::atomic<int> direct_{0};
  std::atomic<int> routed_{0};
  int port_ = 0;
  std::thread thread_;
};

TEST(EventServer, DirectRouteAnswersByteForByteAsCppHttplib) {
  PingServer direct(true);
  PingServer routed(false);
  struct Case {
    std::string request;
    std::string needle;  // empty: read until the server closes
    int count = 1;
  };
  const std::string get = "GET /ping HTTP/1.1\r\nHost: t\r\nUser-Agent: test\r\n\r\n";
  const std::vector<Case> cases{
      {get, "pong"},
      {"HEAD /ping HTTP/1.1\r\nHost: t\r\n\r\n", "\r\n\r\n"},
      {"GET /ping HTTP/1.1\r\nAuthorization: Bearer down\r\nAccept: */*\r\n\r\n", "down"},
      {"GET /ping HTTP/1.1\r\nConnection: close\r\nAuthorization: Bearer  t0k \r\n\r\n", ""},
      {get + get, ""},  // the second request reaches keep-alive max (2): "Connection: close"
  };
  int taken = 0;
  for (const auto& c : cases) {
    const std::string expected = routed.exchange(c.request, c.needle, c.count);
    EXPECT_NE(expected.find("HTTP/1.1 "), std::string::npos) << c.request;
    EXPECT_EQ(direct.exchange(c.request, c.needle, c.count), expected) << c.request;
    taken += count_of(c.request, "\r\n\r\n");
    EXPECT_EQ(direct.direct(), taken) << c.request;  // the direct path answered each of them
  }
  EXPECT_EQ(direct.routed(), 0);
  EXPECT_EQ(routed.direct(), 0);
}

TEST(EventServer, OtherShapesOfADirectRouteStillReachCppHttplib) {
  PingServer direct(true);
  const std::string gzip =
      direct.exchange("GET /ping HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\n", "\r\n\r\n");
  const std::string query = direct.exchange("GET /ping?x=1 HTTP/1.1\r\n\r\n", "pong");
  const std::string old = direct.exchange("GET /ping HTTP/1.0\r\n\r\n", "pong");
  EXPECT_NE(query.find("200 OK"), std::string::npos) << query;
  EXPECT_NE(old.find("200 OK"), std::string::npos) << old;
  EXPECT_NE(gzip.find("200 OK"), std::string::npos) << gzip;
  EXPECT_EQ(direct.direct(), 0);
  EXPECT_EQ(direct.routed(), 3);
}

TEST(EventServer, LargeResponsesArriveWhole) {
  // Output is gathered and sent in 16 KiB pieces: a body of several pieces must arrive intact.
  Served s;
  const std::string big(kBigBody, 'b');
  RawClient c(s.port());
  ASSERT_TRUE(c.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n"));
  const std::string& got = c.read_until("bend", 5s);
  ASSERT_NE(got.find("\r\n\r\n"), std::string::npos);
  EXPECT_EQ(got.substr(got.find("\r\n\r\n") + 4), big + "end");
  EXPECT_NE(got.find("Content-Length: " + std::to_string(big.size() + 3)), std::string::npos);
}

// Issue 13, finding 2: no bytes that follow a refused or body-carrying request are ever served
// as a request of their own, whichever way the framing was made ambiguous.
constexpr std::string_view kSmuggled = "GET /ping HTTP/1.1\r\nHost: t\r\n\r\n";

TEST(EventServer, ABodyIsNeverServedAsTheNextRequest) {
  Served s;
  const std::string body(kSmuggled);
  const std::string length = std::to_string(body.size());
  const std::vector<std::string> heads{
      // 100-continue, then the route's answer: the body must not follow as a request.
      "GET /ping HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: " + length + "\r\n\r\n",
      // The route ignores the body of a GET; it is still the body.
      "GET /ping HTTP/1.1\r\nContent-Length: " + length + "\r\n\r\n",
  };
  for (const auto& head : heads) {
    RawClient c(s.port());
    ASSERT_TRUE(c.send(head + body));
    EXPECT_TRUE(c.wait_closed(3s)) << head;
    EXPECT_EQ(count_of(c.received(), "pong"), 1) << c.received();
  }
}

TEST(EventServer, AmbiguousFramingIs400AndNothingAfterItIsServed) {
  Served s;
  const std::vector<std::string> heads{
      "GET /ping HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 35\r\n\r\n",
      "GET /ping HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 35\r\n\r\n",
      "GET /ping HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n",
      "GET /ping HTTP/1.1\r\nContent-Length : 35\r\n\r\n",
      "GET /ping HTTP/1.1\r\nno colon\r\n\r\n",
      std::string("GET /ping HTTP/1.1\r\nX-A: a") + '\0' + "b\r\n\r\n",
  };
  for (const auto& head : heads) {
    RawClient c(s.port());
    ASSERT_TRUE(c.send(head + std::string(kSmuggled)));
    EXPECT_TRUE(c.wait_closed(3s)) << head;
    EXPECT_EQ(c.received().substr(0, 12), "HTTP/1.1 400") << head;
    EXPECT_EQ(count_of(c.received(), "HTTP/1.1"), 1) << c.received();
  }
  EXPECT_EQ(s.server().stats().refused_heads, heads.size());
}

TEST(EventServer, AnyErrorAfterAnInterimResponseClosesTheConnection) {
  // cpp-httplib writes "100 Continue" first; the 404 that follows must still close.
  Served s;
  RawClient c(s.port());
  ASSERT_TRUE(
      c.send("GET /nope HTTP/1.1\r\nExpect: 100-continue\r\n\r\n" + std::string(kSmuggled)));
  EXPECT_TRUE(c.wait_closed(3s));
  EXPECT_NE(c.received().find("HTTP/1.1 404"), std::string::npos) << c.received();
  EXPECT_EQ(count_of(c.received(), "pong"), 0) << c.received();
}

TEST(EventServer, RangeRequestsAre416NotMultipart) {
  Served s;
  std::string ranges = "bytes=0-29";
  for (int i = 0; i < 1500; ++i) ranges += ",0-29";
  RawClient c(s.port());
  ASSERT_TRUE(c.send("GET /big HTTP/1.1\r\nRange: " + ranges + "\r\n\r\n"));
  EXPECT_TRUE(c.wait_closed(3s));
  EXPECT_EQ(c.received().substr(0, 12), "HTTP/1.1 416") << c.received().substr(0, 200);
  EXPECT_LT(c.received().size(), 512u);
}

TEST(EventServer, ClientsThatDoNotReadHoldNoWorker) {
  // One worker, and four clients that each ask for 20 large answers and read none of them
  // with a tiny receive window: the worker must stay free for everyone else, and each slow
  // reader is dropped at the write timeout (1 s) with one answer pending, not twenty.
  Served s(1, 64);
  std::string pipelined;
  for (int i = 0; i < 20; ++i) pipelined += "GET /big HTTP/1.1\r\nHost: t\r\n\r\n";
  std::vector<RawClient> slow;
  for (int i = 0; i < 4; ++i) {
    slow.emplace_back(s.port(), 2048);
    ASSERT_TRUE(slow.back().send(pipelined));
  }
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(s.ping()) << i;
  EXPECT_TRUE(testing::eventually([&] { return s.server().stats().slow_readers == 4; }, 5s))
      << s.server().stats().slow_readers;
  for (auto& c : slow) EXPECT_TRUE(c.wait_closed(3s));
  EXPECT_TRUE(s.ping());
}

}  // namespace
}  // namespace opsagent::http
