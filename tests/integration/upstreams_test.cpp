// [[upstreams]] end to end: the real agent probes a local stand-in for the app's data API that
// fails on command, runs its one shared circuit breaker (open after 5 failures, half-open after
// recovery_timeout, closed on success), answers GET /upstreams/<name> accordingly, shows it in
// /health, /status and /metrics, and sends UpstreamCircuitOpen to a webhook, then its resolve.
#include <signal.h>

#include <fstream>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/capture_server.hpp"
#include "tests/support/fake_api.hpp"

namespace opsagent::testing {
namespace {

using Requests = std::vector<CaptureServer::Request>;

nlohmann::json body_of(const CaptureServer::Request& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

// "firing" / "resolved" of each UpstreamCircuitOpen notification, in order.
std::vector<std::string> upstream_events(const Requests& requests) {
  std::vector<std::string> out;
  for (const auto& r : requests) {
    const auto j = body_of(r);
    if (j["alerts"][0]["labels"]["alertname"] != "UpstreamCircuitOpen") continue;
    out.push_back(j["notification"]["kind"].get<std::string>());
  }
  return out;
}

// Waits until the webhook has received `want.size()` UpstreamCircuitOpen notifications; true
// when they are exactly `want`.
bool capture_until_events(const CaptureServer& hooks, const std::vector<std::string>& want) {
  hooks.wait_until([&](const Requests& r) { return upstream_events(r).size() >= want.size(); },
                   20s);
  return upstream_events(hooks.requests()) == want;
}

std::string upstream_block(const FakeApi& api, const std::string& extra = "") {
  // The query stands for an app token: it must never be shown.
  return "[[upstreams]]\nname = \"soda\"\nurl = \"" + api.url() +
         "?$$app_token=tok3n-s3cret\"\ninterval = \"1s\"\ntimeout = \"1s\"\n"
         "failure_threshold = 5\nrecovery_timeout = \"1s\"\n" +
         extra;
}

class UpstreamsTest : public AgentTest {
 protected:
  void SetUp() override { cluster_ = std::make_unique<PgCluster>(); }

  void rewrite_config(const std::string& text) {
    std::ofstream f(agent_->config_path(), std::ios::trunc);
    f << text;
  }

  // The agent's answer for the upstream; status 0 when the agent did not answer.
  AgentProcess::HttpReply soda() { return get("/upstreams/soda"); }

  bool await_soda(int status, std::chrono::milliseconds timeout) {
    return eventually([&] { return soda().status == status; }, timeout, 25ms);
  }

  std::unique_ptr<PgCluster> cluster_;
};

TEST_F(UpstreamsTest, BreakerOpensHalfOpensAndClosesAndTheAlertFiresAndResolves) {
  FakeApi api;
  CaptureServer hooks;
  const std::string alerts =
      "[alerts]\npending = \"0s\"\nkeep_firing = \"0s\"\nstate_file = \"\"\n"
      "[[alerts.receivers]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"" +
      hooks.url() + "\"\nrules = [\"upstream_circuit_open\"]\ntimeout = \"2s\"\n";
  start_agent(agent_config("") + alerts + upstream_block(api), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));

  // Closed: 200, and the breaker has seen the API answer.
  ASSERT_TRUE(eventually(
      [&] {
        const auto j = body_json(soda());
        return j["state"] == "closed" && j["probes"].is_number() && j["probes"].get<int>() >= 1;
      },
      15s));
  auto closed = soda();
  EXPECT_EQ(closed.status, 200);
  EXPECT_EQ(closed.header("Cache-Control"), "no-store");
  EXPECT_EQ(body_json(closed)["last_probe"]["status"], 200);
  EXPECT_EQ(get("/upstreams/nope").status, 404);

  // The API fails: after 5 consecutive failures the circuit opens and the endpoint says 503.
  const int before = api.requests();
  api.answer(500);
  ASSERT_TRUE(await_soda(503, 30s)) << soda().body;
  EXPECT_GE(api.requests() - before, 5);
  const auto open = soda();
  const auto open_body = body_json(open);
  EXPECT_EQ(open_body["state"], "open");
  EXPECT_NE(open_body["reason"].get<std::string>().find("5 consecutive failures"),
            std::string::npos)
      << open.body;
  EXPECT_FALSE(open.header("Retry-After").empty());
  EXPECT_TRUE(
      agent_->wait_for_log("upstream soda: circuit closed -> open: 5 consecutive failures", 2s));
  // Not gating readiness (the default): the deployment stays in rotation, with a warning.
  EXPECT_EQ(get("/health/ready").status, 200);
  ASSERT_TRUE(capture_until_events(hooks, {"firing"}));

  // Still failing: after recovery_timeout one half-open probe, which fails and reopens.
  ASSERT_TRUE(agent_->wait_for_log("upstream soda: circuit open -> half_open", 15s));
  ASSERT_TRUE(
      agent_->wait_for_log("upstream soda: circuit half_open -> open: the half-open "
                           "probe failed",
                           15s));
  const auto health = body_json(get("/health"));
  EXPECT_EQ(health["checks"]["upstream:soda"][0]["affectsReadiness"], false);
  EXPECT_NE(health["checks"]["upstream:soda"][0]["status"], "pass");

  // The API recovers: the next half-open probe closes the circuit, the endpoint says 200 again.
  api.answer(200);
  ASSERT_TRUE(await_soda(200, 15s)) << soda().body;
  EXPECT_TRUE(agent_->wait_for_log("upstream soda: circuit half_open -> closed", 2s));
  ASSERT_TRUE(capture_until_events(hooks, {"firing", "resolved"}));
  const auto requests = hooks.requests();
  const auto firing = body_of(requests.front());
  EXPECT_EQ(firing["alerts"][0]["labels"]["upstream"], "soda");
  EXPECT_EQ(firing["alerts"][0]["labels"]["severity"], "warning");

  // The views: /status text and /metrics, and never the token in the URL's query.
  ASSERT_TRUE(eventually(
      [&] { return get("/status").body.find("closed    soda") != std::string::npos; }, 10s))
      << get("/status").body;
  const auto metrics = get("/metrics").body;
  EXPECT_NE(metrics.find(R"(opsagent_upstream_circuit_state{state="closed",upstream="soda"} 1)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(opsagent_upstream_circuit_opened_total{upstream="soda"})"),
            std::string::npos);
  EXPECT_NE(
      metrics.find(
          R"(opsagent_upstream_latency_seconds{quantile="0.99",upstream="soda",window="1m"})"),
      std::string::npos);
  for (const auto& body :
       {get("/status").body, get("/health").body, soda().body, metrics, agent_->log()}) {
    EXPECT_EQ(body.find("tok3n-s3cret"), std::string::npos) << body;
  }
  for (const auto& r : requests) EXPECT_EQ(r.body.find("tok3n-s3cret"), std::string::npos);
}

TEST_F(UpstreamsTest, ReloadAddsAndRemovesUpstreamsAndOneMayGateReadiness) {
  FakeApi api;
  api.answer(503);
  start_agent(agent_config(""), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  EXPECT_EQ(soda().status, 404);

  rewrite_config(agent_config("") +
                 upstream_block(api, "failure_threshold = 1\ngates_readiness = true\n"));
  // failure_threshold is given twice above: the file is rejected and the config in force stays.
  agent_->signal(SIGHUP);
  ASSERT_TRUE(agent_->wait_for_log("the config in force stays", 5s));
  EXPECT_EQ(soda().status, 404);

  std::string block = upstream_block(api, "gates_readiness = true\n");
  block.replace(block.find("failure_threshold = 5"), 21, "failure_threshold = 1");
  rewrite_config(agent_config("") + block);
  agent_->signal(SIGHUP);
  ASSERT_TRUE(await_soda(503, 15s)) << soda().body;
  ASSERT_TRUE(wait_ready(503, 5s));
  EXPECT_NE(body_json(get("/health/ready"))["reason"].get<std::string>().find("upstream:soda"),
            std::string::npos)
      << get("/health/ready").body;

  rewrite_config(agent_config(""));
  agent_->signal(SIGHUP);
  ASSERT_TRUE(await_soda(404, 5s));
  ASSERT_TRUE(wait_ready(200, 5s));
}

}  // namespace
}  // namespace opsagent::testing
