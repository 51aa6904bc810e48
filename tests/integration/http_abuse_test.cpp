// The agent under abusive clients, as a platform healthcheck would meet them on a shared
// network: slow and idle connections by the hundred, a thousand connections at once, clients
// that ask for large answers and never read them, malformed or oversized requests, smuggling
// attempts and page floods. /health/ready must keep answering promptly, descriptors and
// threads must stay bounded, and every bad request gets a 4xx and a closed connection.
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

// The bound on a healthcheck under attack: half the agent's 2 s read, write and keep-alive
// timeouts. A worker held by a stuck client is only freed at one of those, so a check that
// waited for one would take about 2 s; one that is never held back answers in well under a
// millisecond. The margin between the two absorbs a loaded machine or a sanitizer build.
constexpr auto kNotHeldBack = std::chrono::milliseconds(1000);

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
  EXPECT_LT(took.back(), kNotHeldBack) << "slowest";
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
  EXPECT_LT(took.back(), kNotHeldBack) << "slowest";
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

// "GET /health/ready" asking for 1,500 ranges (7.5 KB): cpp-httplib 0.11 answers it with a
// 217 KB multipart reply (issue 13, finding 1).
std::string range_request() {
  std::string ranges = "bytes=0-29";
  for (int i = 1; i < 1500; ++i) ranges += ",0-29";
  return "GET /health/ready HTTP/1.1\r\nHost: t\r\nRange: " + ranges + "\r\n\r\n";
}

// 200 pipelined requests for /health (the largest answer that no token or rate limit guards).
std::string pipelined_health() {
  std::string out;
  for (int i = 0; i < 200; ++i) out += "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";
  return out;
}

TEST_F(HttpAbuseTest, ClientsThatNeverReadCannotStallTheHealthchecks) {
  // 48 connections with a 2 KiB receive buffer that ask for far more than they send and never
  // read (half the Range attack, half pipelined /health), two more of each before every round:
  // a fresh client's /health/ready and /health/live must answer every time, and never wait
  // for an attacker to be dropped at the write timeout (kNotHeldBack).
  const std::string ranges = range_request();
  const std::string health = pipelined_health();
  std::vector<RawClient> attackers;
  attackers.reserve(48 + 20 * 4);
  auto attack = [&](int n) {
    for (int i = 0; i < n; ++i) {
      attackers.emplace_back(agent_->port(), 2048);
      ASSERT_TRUE(attackers.back().send(i % 2 == 0 ? ranges : health));
    }
  };
  attack(48);
  for (int round = 0; round < 20; ++round) {
    attack(4);
    for (const char* path : {"/health/ready", "/health/live"}) {
      const auto r = get(path);
      EXPECT_EQ(r.status, 200) << path << " round " << round << ": " << r.error;
      EXPECT_LT(r.elapsed, kNotHeldBack) << path << " round " << round;
    }
  }
  // The Range requests got a small 416, the readers that never read are dropped at the write
  // timeout (2 s) with one answer pending: every attacker's connection ends.
  for (std::size_t i = 0; i < attackers.size(); ++i) {
    EXPECT_TRUE(attackers[i].wait_closed(5s)) << i;
    if (i % 2 == 0) {
      EXPECT_EQ(attackers[i].received().substr(0, 12), "HTTP/1.1 416") << i;
    }
  }
  const auto metrics = get("/metrics").body;
  EXPECT_NE(metrics.find(R"(opsagent_http_connections_closed_total{reason="slow_reader"})"),
            std::string::npos);
}

TEST_F(HttpAbuseTest, SmugglingAttemptsAreRefusedAndNothingAfterThemIsServed) {
  // Each case carries a whole second request where its body would be; it must never be
  // answered: exactly one response, then the connection is closed.
  const std::string smuggled = "GET /health/live HTTP/1.1\r\nHost: t\r\n\r\n";
  const std::string length = std::to_string(smuggled.size());
  struct Case {
    std::string name;
    std::string head;
    std::string status;
  };
  const std::vector<Case> cases = {
      {"expect 100-continue with a body",
       "GET /health/ready HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: " +
           length + "\r\n\r\n",
       "413"},
      {"expect 100-continue on an unknown path",
       "GET /nope HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n\r\n", "404"},
      {"expect 100-continue with another method",
       "POST /health HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: " + length +
           "\r\n\r\n",
       "405"},
      {"two lengths",
       "GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nContent-Length: " + length +
           "\r\n\r\n",
       "400"},
      {"length and chunked",
       "GET /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: " +
           length + "\r\n\r\n",
       "400"},
      {"folded header",
       "GET /health HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n Content-Length: " + length + "\r\n\r\n",
       "400"},
      {"space before colon",
       "GET /health HTTP/1.1\r\nHost: t\r\nContent-Length : " + length + "\r\n\r\n", "400"},
      {"line without colon",
       "GET /health HTTP/1.1\r\nHost: t\r\nContent-Length " + length + "\r\n\r\n", "400"},
      {"NUL in a value",
       std::string("GET /health HTTP/1.1\r\nHost: t\r\nX-A: a") + '\0' + "b\r\n\r\n", "400"},
  };
  for (const auto& c : cases) {
    RawClient client(agent_->port());
    client.send(c.head + smuggled);
    EXPECT_TRUE(client.wait_closed(5s)) << c.name << ": the connection must be closed";
    const std::string& got = client.received();
    EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 " + c.status) << c.name << ": " << got;
    EXPECT_EQ(count_of(got, "HTTP/1.1 "), 1) << c.name << ": " << got;
    EXPECT_EQ(got.find("heartbeat"), std::string::npos) << c.name << ": smuggled request served";
    bodies_.push_back(got);
  }
  EXPECT_EQ(get("/health/ready").status, 200);
}

TEST_F(HttpAbuseTest, PagesAreRateLimitedPerClientAndHealthchecksNever) {
  // agent.rate_limit defaults to 10 a second in bursts of 20: 40 requests in a row must meet
  // the limit; the healthchecks right after must not.
  int limited = 0;
  std::string retry_after;
  for (int i = 0; i < 40; ++i) {
    const auto r = get(i % 2 == 0 ? "/status" : "/metrics");
    if (r.status == 429) {
      ++limited;
      retry_after = r.header("Retry-After");
    } else {
      EXPECT_EQ(r.status, 200) << i;
    }
  }
  EXPECT_GE(limited, 10);
  EXPECT_EQ(retry_after, "1");
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(get("/health/ready").status, 200) << i;
    ASSERT_EQ(get("/health/live").status, 200) << i;
    ASSERT_EQ(get("/health").status, 200) << i;
  }
  // The refusals are counted once the bucket has refilled enough for a scrape.
  std::string metrics;
  ASSERT_TRUE(eventually(
      [&] {
        const auto r = get("/metrics");
        metrics = r.body;
        return r.status == 200;
      },
      5s));
  EXPECT_NE(metrics.find(R"(opsagent_http_rate_limited_total{path="/status"})"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(opsagent_http_rate_limited_total{path="/metrics"})"),
            std::string::npos);
}

}  // namespace
}  // namespace opsagent::testing
