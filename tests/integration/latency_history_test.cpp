// The latency history end to end (issue 16 part 5): the real agent times the app's
// [[readiness.http]] check and an [[upstreams]] API, both local stand-ins that answer slowly on
// command, and shows p50/p95/p99 per window (1m, 15m, 1h) in /health, /upstreams/NAME, /status
// and /metrics. Only answers count: a check whose app refuses has a failing check and no latency.
#include "tests/integration/agent_fixture.hpp"
#include "tests/support/fake_api.hpp"

namespace opsagent::testing {
namespace {

class LatencyHistoryTest : public AgentTest {
 protected:
  void SetUp() override { cluster_ = std::make_unique<PgCluster>(); }
  std::unique_ptr<PgCluster> cluster_;
};

// health["checks"][check][0]["latency_ms"][window][field], or null when any step is missing.
nlohmann::json latency(const nlohmann::json& health, const std::string& check,
                       const std::string& window, const std::string& field) {
  const nlohmann::json::json_pointer at("/checks/" + check + "/0/latency_ms/" + window + "/" +
                                        field);
  return health.contains(at) ? health.at(at) : nlohmann::json(nullptr);
}

int samples(const nlohmann::json& health, const std::string& check, const std::string& window) {
  const auto n = latency(health, check, window, "samples");
  return n.is_number() ? n.get<int>() : 0;
}

// The value of the exposition line that starts with `series`, or -1.
double metric(const std::string& body, const std::string& series) {
  const auto at = body.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(body.substr(at + series.size() + 2));
}

TEST_F(LatencyHistoryTest, HttpChecksAndUpstreamsKeepTheirAnswersLatencyPerWindow) {
  FakeApi app;
  FakeApi api;
  app.answer_after(60ms);
  api.answer_after(120ms);
  const std::string checks = "[[readiness.http]]\nname = \"app\"\nurl = \"" + app.url("/healthz") +
                             "\"\ntimeout = \"2s\"\n"
                             "[[readiness.http]]\nname = \"down\"\nurl = "
                             "\"http://127.0.0.1:1/\"\ntimeout = \"1s\"\n";
  const std::string upstream = "[[upstreams]]\nname = \"soda\"\nurl = \"" + api.url() +
                               "\"\ninterval = \"1s\"\ntimeout = \"1s\"\n";
  start_agent(agent_config(checks) + upstream, cluster_->app_dsn());

  // A few answers of each: the windows fill.
  nlohmann::json health;
  ASSERT_TRUE(eventually(
      [&] {
        health = body_json(get("/health"));
        return samples(health, "http:app", "1m") >= 3 &&
               samples(health, "upstream:soda", "1m") >= 2;
      },
      30s))
      << health.dump(2);
  for (const char* window : {"1m", "15m", "1h"}) {
    const auto p50 = latency(health, "http:app", window, "p50");
    ASSERT_TRUE(p50.is_number()) << window << health.dump(2);
    EXPECT_GE(p50.get<double>(), 60.0) << window;
    EXPECT_GE(latency(health, "http:app", window, "p99").get<double>(), p50.get<double>());
    const auto p95 = latency(health, "upstream:soda", window, "p95");
    ASSERT_TRUE(p95.is_number()) << window << health.dump(2);
    EXPECT_GE(p95.get<double>(), 120.0) << window;
  }
  // Refused: the check fails and no latency is made up for it.
  EXPECT_EQ(health["checks"]["http:down"][0]["status"], "fail");
  EXPECT_EQ(latency(health, "http:down", "1m", "samples"), 0) << health.dump(2);
  EXPECT_TRUE(latency(health, "http:down", "1h", "p50").is_null());

  // The breaker's own endpoint carries the same windows.
  const auto soda = body_json(get("/upstreams/soda"));
  EXPECT_GE(soda.value(nlohmann::json::json_pointer("/latency_ms/15m/samples"), 0), 2)
      << soda.dump(2);

  const auto metrics = get("/metrics").body;
  EXPECT_GE(
      metric(metrics,
             R"(opsagent_http_check_latency_seconds{check="http:app",quantile="0.5",window="1m"})"),
      0.06)
      << metrics;
  EXPECT_GE(
      metric(metrics,
             R"(opsagent_upstream_latency_seconds{quantile="0.95",upstream="soda",window="1h"})"),
      0.12)
      << metrics;
  EXPECT_EQ(metrics.find(R"(opsagent_http_check_latency_seconds{check="http:down")"),
            std::string::npos)
      << "no answers, no latency series";

  const auto status = get("/status").body;
  EXPECT_NE(status.find("latency of the answers (p50 / p95 / p99 per window)"), std::string::npos)
      << status;
  EXPECT_NE(status.find("  http:app "), std::string::npos) << status;
  EXPECT_NE(status.find("  upstream:soda "), std::string::npos) << status;
  const auto html = get("/status", {{"Accept", "text/html"}}).body;
  EXPECT_NE(html.find("<h2>Latency of the answers</h2>"), std::string::npos) << html;
}

}  // namespace
}  // namespace opsagent::testing
