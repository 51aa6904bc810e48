#include "agent/http/event_server.hpp"

#include <dirent.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
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

// Timeouts of 1 s, so that the tests see them expire.
ServerLimits limits(std::size_t workers = 2, std::size_t max_connections = 64,
                    std::chrono::seconds timeout = 1s) {
  return {.workers = workers,
          .max_connections = max_connections,
          .keep_alive_timeout = timeout,
          .read_timeout = timeout,
          .write_timeout = timeout};
}

// Timeouts no test waits for: whatever a test sees happen, these did not cause it.
ServerLimits patient(std::size_t workers = 2, std::size_t max_connections = 64) {
  return limits(workers, max_connections, 600s);
}

// An EventServer on a free loopback port with three routes, serving on its own thread.
class Served {
 public:
  explicit Served(const ServerLimits& server_limits = limits()) : server_(server_limits) {
    server_.routes().Get("/ping", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("pong", "text/plain");
    });
    server_.routes().Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(kBigBody, 'b') + "end", "text/plain");
    });
    // Shows what cpp-httplib passed on: 503 for "Bearer down", the Authorization in the body.
    server_.routes().Get("/echo", [](const httplib::Request& req, httplib::Response& res) {
      const std::string authorization = req.get_header_value("Authorization");
      res.status = authorization == "Bearer down" ? 503 : 200;
      res.set_content("echo " + authorization, "text/plain");
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

  // One GET /ping on a new connection: true once its 200 arrived (within a bound far above
  // any answer's time, and below the 600 s of patient() limits).
  bool ping() const {
    RawClient c(port_);
    if (!c.connected() || !c.send(kPing)) return false;
    return c.read_until("pong", 10s).find("200 OK") != std::string::npos;
  }

  // Sends `request` on a new connection; what came back once `needle` was seen `count` times,
  // or, with an empty needle, once the server closed.
  std::string exchange(std::string_view request, std::string_view needle, int count = 1) const {
    RawClient c(port_);
    if (!c.send(request)) return "<send failed>";
    if (needle.empty()) return c.wait_closed(10s) ? c.received() : "<not closed>";
    return c.read_until(needle, 10s, count);
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
  // Timeouts of 10 minutes: a fresh request answered at all was answered beside the stuck
  // clients, not after they timed out.
  Served s(patient(2, 256));
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
  // 100 stuck clients against 2 workers: every fresh request is still answered.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(s.ping()) << i;
  EXPECT_EQ(thread_count(), threads_before);    // no thread per connection
  EXPECT_EQ(s.server().stats().timed_out, 0u);  // the stuck clients were still there
  EXPECT_GE(s.server().stats().open_connections, 100u);
}

TEST(EventServer, SlowHeadGets408AtTheReadTimeoutAndIdleConnectionsClose) {
  Served s;  // read and keep-alive timeouts of 1 s
  RawClient slow(s.port());
  RawClient idle(s.port());
  ASSERT_TRUE(slow.send("GET /ping HTTP/1.1\r\n"));
  ASSERT_TRUE(slow.wait_closed(5s));
  EXPECT_NE(slow.received().find("HTTP/1.1 408"), std::string::npos) << slow.received();
  EXPECT_TRUE(idle.wait_closed(5s));
  EXPECT_TRUE(idle.received().empty());
  EXPECT_EQ(s.server().stats().timed_out, 2u);
}

TEST(EventServer, TheSweepTimerTicksOnlyWhileConnectionsAreOpen) {
  // An idle agent must not wake on a clock: no connection, no sweep (three periods of 100 ms
  // pass here), whatever the timeouts.
  Served s;
  std::this_thread::sleep_for(350ms);  // absence over time: nothing to await
  EXPECT_EQ(s.server().stats().sweeps, 0u);
  {
    RawClient held(s.port());
    ASSERT_TRUE(held.send(kPing));
    held.read_until("pong", 10s);
    ASSERT_TRUE(testing::eventually([&] { return s.server().stats().sweeps >= 2; }, 10s));
  }
  // Closed by the client: the next tick (100 ms later) finds nothing open and stops the timer.
  ASSERT_TRUE(testing::eventually([&] { return s.server().stats().open_connections == 0; }, 10s));
  std::this_thread::sleep_for(500ms);
  const auto stopped_at = s.server().stats().sweeps;
  std::this_thread::sleep_for(350ms);
  EXPECT_EQ(s.server().stats().sweeps, stopped_at);
  ASSERT_TRUE(s.ping());  // and it starts again with the next connection
  EXPECT_TRUE(testing::eventually([&] { return s.server().stats().sweeps > stopped_at; }, 10s));
}

TEST(EventServer, AHeadThatArrivesInPiecesWithinTheReadTimeoutIsServed) {
  // The other half of the 408: a slow head is not cut off before its read timeout (here 10
  // minutes), only at it.
  Served s(patient());
  RawClient slow(s.port());
  ASSERT_TRUE(slow.send("GET /ping HTTP/1.1\r\n"));
  ASSERT_TRUE(s.ping());  // the partial head has been read meanwhile (or is still queued)
  ASSERT_TRUE(slow.send("Host: t\r\n"));
  ASSERT_TRUE(slow.send("\r\n"));
  EXPECT_NE(slow.read_until("pong", 10s).find("HTTP/1.1 200 OK"), std::string::npos)
      << slow.received();
  EXPECT_EQ(s.server().stats().timed_out, 0u);
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
  Served s(limits(2, 8));
  std::vector<RawClient> held;
  held.reserve(8);
  for (int i = 0; i < 8; ++i) held.emplace_back(s.port());
  ASSERT_TRUE(testing::eventually([&] { return s.server().stats().accepted == 8; }, 3s));
  ASSERT_TRUE(s.ping());  // a ninth connection: admitted by evicting the oldest
  EXPECT_TRUE(held.front().wait_closed(3s));
  const auto stats = s.server().stats();
  EXPECT_GE(stats.evicted, 1u);
  EXPECT_LE(stats.open_connections, 8u);
}

TEST(EventServer, ShutdownEndsServeWithConnectionsOpen) {
  // Connections that would stay open for 10 minutes: shutdown must close them, not wait.
  Served s(patient());
  RawClient idle(s.port());
  RawClient partial(s.port());
  ASSERT_TRUE(partial.send("GET /pi"));
  ASSERT_TRUE(s.ping());
  auto stopped = std::async(std::launch::async, [&] { s.stop(); });
  ASSERT_EQ(stopped.wait_for(30s), std::future_status::ready);
  EXPECT_TRUE(s.served_ok());
  EXPECT_TRUE(idle.wait_closed(10s));
  EXPECT_TRUE(partial.wait_closed(10s));
  EXPECT_EQ(s.server().stats().timed_out, 0u);
}

TEST(EventServer, ShutdownBeforeServeDoesNotHang) {
  EventServer server(limits(1, 4));
  ASSERT_GT(server.bind_listener("127.0.0.1", 0), 0);
  server.shutdown();
  auto served = std::async(std::launch::async, [&] { return server.serve(); });
  ASSERT_EQ(served.wait_for(3s), std::future_status::ready);
  EXPECT_TRUE(served.get());
}

TEST(EventServer, CppHttplibAnswersEveryShapeOfARequest) {
  Served s;
  const std::string head = s.exchange("HEAD /ping HTTP/1.1\r\nHost: t\r\n\r\n", "\r\n\r\n");
  EXPECT_EQ(head.substr(0, 15), "HTTP/1.1 200 OK") << head;
  EXPECT_NE(head.find("Content-Length: 4\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("pong"), std::string::npos) << head;  // headers only
  const std::string down =
      s.exchange("GET /echo HTTP/1.1\r\nAuthorization: Bearer down\r\n\r\n", "down");
  EXPECT_EQ(down.substr(0, 12), "HTTP/1.1 503") << down;
  EXPECT_NE(down.find("echo Bearer down"), std::string::npos) << down;
  for (const char* other : {"GET /ping?x=1 HTTP/1.1\r\n\r\n", "GET /ping HTTP/1.0\r\n\r\n",
                            "GET /ping HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\n"}) {
    const std::string got = s.exchange(other, "\r\n\r\n");  // gzip hides "pong"
    EXPECT_EQ(got.substr(0, 15), "HTTP/1.1 200 OK") << other << got;
  }
  // "Connection: close" is honoured: the answer says so and the connection ends.
  const std::string closing = s.exchange("GET /ping HTTP/1.1\r\nConnection: close\r\n\r\n", "");
  EXPECT_NE(closing.find("Connection: close\r\n"), std::string::npos) << closing;
  EXPECT_EQ(count_of(closing, "pong"), 1) << closing;
}

TEST(EventServer, TheLastRequestOfAKeepAliveConnectionClosesIt) {
  ServerLimits two = limits();
  two.keep_alive_max_count = 2;
  Served s(two);
  // Three pipelined: the second reaches the maximum, says "Connection: close", and the third
  // is never answered.
  const std::string got = s.exchange(std::string(kPing) + kPing + kPing, "");
  EXPECT_EQ(count_of(got, "HTTP/1.1 200 OK"), 2) << got;
  EXPECT_EQ(count_of(got, "Connection: close"), 1) << got;
  EXPECT_NE(got.find("Keep-Alive: timeout=1, max=2"), std::string::npos) << got;
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
  Served s(limits(1, 64));
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
