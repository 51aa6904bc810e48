// The agent under abusive clients, as a platform healthcheck would meet them on a shared
// network: slow and idle connections by the hundred, a thousand connections at once, and
// malformed or oversized requests. /health/ready must keep answering promptly, descriptors and
// threads must stay bounded, and every bad request gets a 4xx.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/raw_client.hpp"

namespace opsagent::testing {
namespace {

constexpr const char* kTables = "expected_tables = [\"permits\"]\n";
constexpr const char* kReady = "GET /health/ready HTTP/1.1\r\nHost: t\r\n\r\n";

std::size_t entries(const std::string& dir) {
  std::size_t n = 0;
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

class HttpAbuseTest : public AgentTest {
 protected:
  void SetUp() override {
    // A thousand client sockets need more than the usual soft limit of 1024 descriptors.
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 8192);
    setrlimit(RLIMIT_NOFILE, &lim);
    cluster_ = std::make_unique<PgCluster>();
    cluster_->exec("CREATE TABLE permits (id int); ALTER TABLE permits OWNER TO app;");
    start_agent(agent_config(kTables), cluster_->app_dsn());
    ASSERT_TRUE(wait_ready(200, 15s));
  }

  // `n` fresh-connection requests to /health/ready: all must be 200; returns their latencies
  // sorted.
  std::vector<std::chrono::microseconds> timed_readiness(int n) {
    std::vector<std::chrono::microseconds> took;
    for (int i = 0; i < n; ++i) {
      const auto r = get("/health/ready");
      EXPECT_EQ(r.status, 200) << r.error;
      took.push_back(r.elapsed);
    }
    std::ranges::sort(took);
    return took;
  }

  std::string proc(const std::string& what) const {
    return "/proc/" + std::to_string(agent_->pid()) + "/" + what;
  }

  std::unique_ptr<PgCluster> cluster_;
};

TEST_F(HttpAbuseTest, SlowAndIdleClientsDoNotDelayReadiness) {
  std::vector<RawClient> idle;
  std::vector<RawClient> slow;
  for (int i = 0; i < 150; ++i) {
    // Keep-alive clients that asked once and stay connected without a word.
    idle.emplace_back(agent_->port());
    ASSERT_TRUE(idle.back().send(kReady));
    ASSERT_NE(idle.back().read_until("\"ready\"", 2s).find("200 OK"), std::string::npos);
    // Slowloris: a request head that never ends.
    slow.emplace_back(agent_->port());
    ASSERT_TRUE(slow.back().send("GET /health/ready HTTP/1.1\r\nHost: t\r\nX-a: "));
  }
  // Trickle one more byte on every slow connection while measuring: still no worker for them.
  for (auto& s : slow) s.send("b");
  const auto took = timed_readiness(20);
  EXPECT_LT(took[took.size() / 2], 100ms) << "median";
  EXPECT_LT(took.back(), 1s) << "slowest";
  // The slow clients are cut off with 408 at the read timeout (2 s), the idle ones closed.
  for (auto& s : slow) {
    ASSERT_TRUE(s.wait_closed(5s));
    EXPECT_NE(s.received().find("HTTP/1.1 408"), std::string::npos);
  }
  for (auto& c : idle) EXPECT_TRUE(c.wait_closed(5s));
}

TEST_F(HttpAbuseTest, AThousandConnectionsKeepDescriptorsAndThreadsBounded) {
  const std::size_t fds_before = entries(proc("fd"));
  const std::size_t threads_before = entries(proc("task"));
  std::vector<RawClient> held;
  for (int i = 0; i < 1000; ++i) {
    held.emplace_back(agent_->port());
    ASSERT_TRUE(held.back().connected()) << i;
  }
  // Half of them half-way through a request, to keep the server's buffers busy too.
  for (std::size_t i = 0; i < held.size(); i += 2) held[i].send("GET /health HTTP/1.1\r\n");
  const auto took = timed_readiness(20);
  EXPECT_LT(took[took.size() / 2], 100ms) << "median";
  const std::size_t fds = entries(proc("fd"));
  const std::size_t threads = entries(proc("task"));
  EXPECT_LE(fds, fds_before + 512 + 8) << "descriptors: 512 client sockets at most";
  EXPECT_EQ(threads, threads_before) << "no thread per connection";
  // The connections that made room were closed, not left hanging.
  const auto closed = std::ranges::count_if(held, [](RawClient& c) { return c.wait_closed(0ms); });
  EXPECT_GE(closed, 1000 - 512);
}

TEST_F(HttpAbuseTest, MalformedAndOversizedRequestsGet4xxAndServingGoesOn) {
  struct Case {
    std::string name;
    std::string request;
    std::string status;
  };
  const std::vector<Case> cases = {
      {"header too large",
       "GET /health/ready HTTP/1.1\r\nX-Big: " + std::string(20000, 'x') + "\r\n\r\n", "431"},
      {"long path", "GET /" + std::string(300, 'p') + " HTTP/1.1\r\n\r\n", "414"},
      {"very long path", "GET /" + std::string(12000, 'p') + " HTTP/1.1\r\n\r\n", "414"},
      {"unknown path", "GET /admin HTTP/1.1\r\n\r\n", "404"},
      {"other method", "DELETE /health/ready HTTP/1.1\r\n\r\n", "405"},
      // cpp-httplib refuses methods outside HTTP's own set before routing.
      {"unknown method", "BREW /health/ready HTTP/1.1\r\n\r\n", "400"},
      {"post with a big body",
       "POST /health/ready HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n" + std::string(1000, 'b'),
       "405"},
      {"get with a body", "GET /health HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", "413"},
      {"chunked body", "GET /health HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
       "413"},
      {"garbage", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15), "400"},
  };
  for (const auto& c : cases) {
    RawClient client(agent_->port());
    client.send(c.request);  // the agent may close before reading all of it
    EXPECT_TRUE(client.wait_closed(5s)) << c.name << ": the connection must be closed";
    EXPECT_EQ(client.received().substr(0, 12), "HTTP/1.1 " + c.status) << c.name;
    bodies_.push_back(client.received());
    EXPECT_EQ(get("/health/ready").status, 200) << "after " << c.name;
  }
  EXPECT_TRUE(agent_->running());
}

}  // namespace
}  // namespace opsagent::testing
