#include "probes/upstreams/upstream_prober.hpp"

#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "probes/http/upstream_request.hpp"
#include "tests/support/run_binary.hpp"
#include "tests/support/silent_listener.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

const SteadyClock::time_point t0{std::chrono::hours(1000)};

TEST(NextProbeDue, ClosedFollowsTheIntervalFromTheLastStart) {
  const CircuitBreaker b(5, 60s);
  EXPECT_EQ(next_probe_due(b, std::nullopt, 10s), SteadyClock::time_point::min());
  EXPECT_EQ(next_probe_due(b, t0, 10s), t0 + 10s);
}

TEST(NextProbeDue, OpenWaitsForHalfOpenWhichProbesAtOnce) {
  CircuitBreaker b(1, 60s);
  b.record_failure(t0, "x");
  EXPECT_EQ(next_probe_due(b, t0 - 1s, 10s), t0 + 60s);  // not every interval while open
  b.advance(t0 + 60s);
  EXPECT_EQ(next_probe_due(b, t0 - 1s, 10s), SteadyClock::time_point::min());
}

// An upstream API that answers `status()`, changed by the test at will.
class FakeApi {
 public:
  FakeApi() {
    server_.Get("/.*", [this](const httplib::Request&, httplib::Response& res) {
      ++requests_;
      res.status = status_.load();
      res.set_content("[]", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  FakeApi(const FakeApi&) = delete;
  FakeApi& operator=(const FakeApi&) = delete;
  ~FakeApi() {
    server_.stop();
    thread_.join();
  }
  void answer(int status) { status_ = status; }
  int requests() const { return requests_.load(); }
  config::Upstream upstream(const std::string& name = "soda") const {
    return {.name = name,
            .url = "http://127.0.0.1:" + std::to_string(port_) + "/resource/x.json?token=secret",
            .interval = 20ms,
            .timeout = 2s,
            .expect_status = 200,
            .failure_threshold = 3,
            .recovery_timeout = 300ms,
            .gates_readiness = false};
  }

 private:
  httplib::Server server_;
  std::atomic<int> status_{200};
  std::atomic<int> requests_{0};
  int port_ = 0;
  std::thread thread_;
};

std::optional<UpstreamStatus> status_of(const UpstreamProber& prober, const std::string& name) {
  const auto board = prober.board().get();
  const auto* u = board->find(name);
  return u ? std::optional(*u) : std::nullopt;
}

bool await(const std::function<bool()>& cond) {
  return eventually(cond, 20s, 5ms);  // a bound for a stuck prober, not a timing assertion
}

TEST(ProbeUpstream, AnswersAndFailuresInWords) {
  FakeApi api;
  const auto ok = probe_upstream(api.upstream(), SteadyClock::now() + 2s);
  EXPECT_TRUE(ok.ok) << ok.message;
  EXPECT_EQ(ok.status, 200);
  EXPECT_TRUE(ok.message.starts_with("GET http://127.0.0.1:")) << ok.message;
  EXPECT_EQ(ok.message.find("secret"), std::string::npos) << ok.message;
  api.answer(503);
  const auto bad = probe_upstream(api.upstream(), SteadyClock::now() + 2s);
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.error, ErrorClass::http_status);
  EXPECT_NE(bad.message.find("answered 503, expected 200"), std::string::npos) << bad.message;
  EXPECT_EQ(bad.message.find("secret"), std::string::npos) << bad.message;

  auto nobody = api.upstream();
  nobody.url = "http://127.0.0.1:1/";
  const auto refused = probe_upstream(nobody, SteadyClock::now() + 2s);
  EXPECT_EQ(refused.error, ErrorClass::refused) << refused.message;
  EXPECT_NE(refused.message.find("connection refused"), std::string::npos) << refused.message;

  nobody.url = "http://upstream.invalid/";  // RFC 2606: never resolves
  const auto dns = probe_upstream(nobody, SteadyClock::now() + 2s);
  EXPECT_TRUE(dns.error == ErrorClass::dns || dns.error == ErrorClass::timeout) << dns.message;
}

// A server that accepts and never answers: the probe ends at its deadline (the watchdog), not
// at the peer's pleasure, and says so.
TEST(ProbeUpstream, ASilentServerIsATimeoutAtTheDeadline) {
  testing::SilentTcpListener silent;
  config::Upstream u;
  u.name = "silent";
  u.url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/";
  u.timeout = 300ms;
  const auto p = probe_upstream(u, SteadyClock::now() + u.timeout);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.error, ErrorClass::timeout) << p.message;
  EXPECT_NE(p.message.find("no answer within 300ms"), std::string::npos) << p.message;
  EXPECT_EQ(p.status, 0);
}

// https: the certificate is verified. A server with a self-signed certificate (made here with
// the openssl CLI) answers the TLS handshake, and the probe refuses it as `tls`.
TEST(ProbeUpstream, HttpsVerifiesTheCertificate) {
  testing::TempDir dir("opsagent-tls");
  const auto made = testing::run_process(
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.file("key.pem"),
       "-out", dir.file("cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  httplib::SSLServer server(dir.file("cert.pem").c_str(), dir.file("key.pem").c_str());
  ASSERT_TRUE(server.is_valid());
  std::atomic<int> answered{0};
  server.Get("/", [&](const httplib::Request&, httplib::Response& res) {
    ++answered;
    res.set_content("ok", "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });

  config::Upstream u;
  u.name = "tls";
  u.url = "https://127.0.0.1:" + std::to_string(port) + "/";
  const auto p = probe_upstream(u, SteadyClock::now() + 5s);
  server.stop();
  thread.join();
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.error, ErrorClass::tls) << p.message;
  EXPECT_NE(p.message.find("certificate could not be verified"), std::string::npos) << p.message;
  EXPECT_EQ(answered.load(), 0);  // the request never reached an unverified server
}

TEST(UpstreamTarget, DropsTheQueryAndTheDefaultPort) {
  const auto url = [](std::string_view text) {
    return upstream_target(*config::parse_receiver_url(text));
  };
  EXPECT_EQ(url("https://data.example.org/resource/x.json?$$app_token=abc"),
            "https://data.example.org/resource/x.json");
  EXPECT_EQ(url("https://data.example.org:443/"), "https://data.example.org/");
  EXPECT_EQ(url("http://[::1]:8080/x"), "http://[::1]:8080/x");
}

TEST(UpstreamProber, OpensHalfOpensAndClosesWithTheApi) {
  FakeApi api;
  UpstreamProber prober;
  EXPECT_TRUE(prober.board().get()->upstreams.empty());
  prober.sync({api.upstream()});
  ASSERT_TRUE(await([&] {
    auto s = status_of(prober, "soda");
    return s && s->probes >= 2;
  }));
  auto s = *status_of(prober, "soda");
  EXPECT_EQ(s.state, BreakerState::closed);
  EXPECT_EQ(s.target, "http://127.0.0.1:" + s.target.substr(17));
  EXPECT_EQ(s.target.find('?'), std::string::npos);
  for (const auto& w : s.latency) {  // the answers of the last seconds are in every window
    EXPECT_GE(w.latency.samples, 2u) << window_label(w.window);
    EXPECT_TRUE(w.latency.p99_ms.has_value());
  }

  api.answer(500);
  ASSERT_TRUE(await([&] { return status_of(prober, "soda")->state == BreakerState::open; }));
  s = *status_of(prober, "soda");
  EXPECT_EQ(s.consecutive_failures, 3);
  EXPECT_EQ(s.opened, 1u);
  EXPECT_TRUE(s.half_open_at.has_value());
  EXPECT_NE(s.transition_reason.find("3 consecutive failures (last: GET"), std::string::npos)
      << s.transition_reason;
  // While open, the API is left alone until half-open: one probe per recovery_timeout.
  const auto probes_when_opened = s.probes;

  // Still failing: half-open probes once and opens again.
  ASSERT_TRUE(await([&] { return status_of(prober, "soda")->opened >= 2; }));
  s = *status_of(prober, "soda");
  EXPECT_EQ(s.state, BreakerState::open);
  EXPECT_EQ(s.probes, probes_when_opened + 1);
  EXPECT_NE(s.transition_reason.find("the half-open probe failed"), std::string::npos);

  api.answer(200);
  ASSERT_TRUE(await([&] { return status_of(prober, "soda")->state == BreakerState::closed; }));
  s = *status_of(prober, "soda");
  EXPECT_EQ(s.transition_reason, "a probe succeeded");
  EXPECT_EQ(s.consecutive_failures, 0);
  EXPECT_GE(s.failures, 4u);
  EXPECT_TRUE(s.state_since.has_value());
}

TEST(UpstreamProber, ReloadKeepsUnchangedUpstreamsAndDropsRemovedOnes) {
  FakeApi api;
  UpstreamProber prober;
  prober.sync({api.upstream("a"), api.upstream("b")});
  ASSERT_TRUE(await([&] { return status_of(prober, "a")->probes >= 1; }));
  api.answer(500);
  ASSERT_TRUE(await([&] { return status_of(prober, "a")->state == BreakerState::open; }));

  auto a = api.upstream("a");
  a.failure_threshold = 10;  // a setting changes: the breaker and its history stay
  auto c = api.upstream("c");
  prober.sync({c, a});
  const auto board = prober.board().get();
  ASSERT_EQ(board->upstreams.size(), 2u);
  EXPECT_EQ(board->upstreams[0].name, "c");
  EXPECT_EQ(board->upstreams[1].name, "a");
  EXPECT_EQ(board->upstreams[1].state, BreakerState::open);
  EXPECT_EQ(board->upstreams[1].failure_threshold, 10);
  EXPECT_EQ(board->find("b"), nullptr);

  a.url += "&v=2";  // another URL is another upstream: a fresh breaker
  prober.sync({a});
  EXPECT_EQ(status_of(prober, "a")->opened, 0u);
}

}  // namespace
}  // namespace opsagent::probes
