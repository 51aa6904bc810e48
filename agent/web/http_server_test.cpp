#include "agent/web/http_server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "agent/alerts/alerter.hpp"
#include "agent/web/bearer_token.hpp"
#include "agent/web/metrics.hpp"

namespace opsagent::web {
namespace {

constexpr const char* kToken = "s3cret-t0ken";

// The agent's HTTP server on a free loopback port, serving a fixed snapshot: no probe runs,
// the probe loop is only there for its heartbeat (fresh since its construction).
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.set(std::make_shared<const config::Config>(config_with(false, 10)));
    publish(true);
  }

  // Starts the server; call after setting what the test needs.
  void start() {
    server_ =
        std::make_unique<HttpServer>(ServingState{store_, config_, token_, loop_, draining_,
                                                  metrics_, app_problem_, alerter_, upstreams_},
                                     2);
    ASSERT_TRUE(server_->bind("127.0.0.1", 0));
    ASSERT_GT(server_->port(), 0);
    server_->start();
    client_.emplace("127.0.0.1", server_->port());
    client_->set_read_timeout(std::chrono::seconds(10));
  }

  static config::Config config_with(bool token, int rate_limit) {
    config::Config c;
    if (token) c.agent.token_env = "OPSAGENT_TEST_TOKEN";
    c.agent.rate_limit = rate_limit;
    return c;
  }

  void require_token() {
    const config::Config c = config_with(true, 10);
    auto token = BearerToken::from_config(c, [](std::string_view) { return kToken; });
    ASSERT_TRUE(token) << token.error();
    token_.set(std::make_shared<const BearerToken>(*token));
  }

  // A snapshot completed now whose one check passes or fails.
  void publish(bool passing) {
    probes::Snapshot s;
    s.sequence = 1;
    s.completed = SteadyClock::now();
    probes::CheckResult check;
    check.name = "postgres:connection";
    check.status = passing ? probes::CheckStatus::pass : probes::CheckStatus::fail;
    s.checks.push_back(check);
    store_.set(std::make_shared<const probes::Snapshot>(std::move(s)));
  }

  // A board with the upstream "soda" in `state`.
  void publish_upstream(probes::BreakerState state) {
    probes::UpstreamStatus u;
    u.name = "soda";
    u.target = "https://data.example.org/resource/x.json";
    u.state = state;
    u.consecutive_failures = state == probes::BreakerState::closed ? 0 : 5;
    u.transition_reason = "5 consecutive failures (last: answered 500, expected 200)";
    if (state == probes::BreakerState::open) {
      u.half_open_at = SteadyClock::now() + std::chrono::seconds(42);
    }
    probes::UpstreamBoard board;
    board.upstreams.push_back(std::move(u));
    upstreams_.set(std::make_shared<const probes::UpstreamBoard>(std::move(board)));
  }

  httplib::Result get(const std::string& path, const std::string& authorization = "") {
    if (authorization.empty()) return client_->Get(path);
    return client_->Get(path, httplib::Headers{{"Authorization", authorization}});
  }

  probes::SnapshotStore store_;
  probes::ConfigHolder config_;
  common::Latest<BearerToken> token_;
  probes::ProbeLoop loop_{config_, store_, [](std::string_view) { return std::nullopt; }, nullptr};
  std::atomic<bool> draining_{false};
  PrometheusMetrics metrics_;
  common::Latest<std::string> app_problem_;
  alerts::Alerter alerter_{config::Config{}, [](std::string_view) { return std::nullopt; }, {}};
  probes::UpstreamBoardStore upstreams_{std::make_shared<const probes::UpstreamBoard>()};
  std::unique_ptr<HttpServer> server_;
  std::optional<httplib::Client> client_;
};

TEST_F(ServerTest, HealthchecksAnswer200WhileReady) {
  start();
  const auto ready = get("/health/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(ready->get_header_value("Cache-Control"), "no-store");
  EXPECT_NE(ready->body.find("\"ready\":true"), std::string::npos) << ready->body;
  const auto live = get("/health/live");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);
  EXPECT_NE(live->body.find("\"status\":\"pass\""), std::string::npos) << live->body;
  const auto health = get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ServerTest, ReadinessIs503OnAFailingCheckAndWhileDraining) {
  start();
  publish(false);
  EXPECT_EQ(get("/health/ready")->status, 503);
  EXPECT_EQ(get("/health")->status, 503);
  EXPECT_EQ(get("/health/live")->status, 200);  // liveness never depends on the database
  publish(true);
  EXPECT_EQ(get("/health/ready")->status, 200);
  draining_ = true;
  EXPECT_EQ(get("/health/ready")->status, 503);
}

TEST_F(ServerTest, NotReadyBeforeTheFirstSnapshot) {
  store_.set(nullptr);
  start();
  EXPECT_EQ(get("/health/ready")->status, 503);
}

TEST_F(ServerTest, HeadAnswersHeadersOnly) {
  start();
  const auto head = client_->Head("/health/ready");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_NE(head->get_header_value("Content-Length"), "0");  // that of the GET's body
}

TEST_F(ServerTest, TheGuardRefusesOtherPathsMethodsAndBodies) {
  start();
  const auto unknown = get("/admin");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_NE(unknown->body.find("/health/ready"), std::string::npos) << unknown->body;
  const auto del = client_->Delete("/health/ready");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  EXPECT_EQ(del->get_header_value("Allow"), "GET, HEAD");
  EXPECT_EQ(get("/" + std::string(300, 'p'))->status, 414);
  const auto post = client_->Post("/health", "hello", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
}

TEST_F(ServerTest, ATokenGuardsDetailsAndPagesButNotTheVerdict) {
  require_token();
  start();
  const auto anonymous = get("/health/ready");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 200);
  EXPECT_EQ(anonymous->body.find("postgres:connection"), std::string::npos) << anonymous->body;
  const std::string bearer = std::string("Bearer ") + kToken;
  const auto detailed = get("/health/ready", bearer);
  ASSERT_TRUE(detailed);
  EXPECT_NE(detailed->body.find("postgres:connection"), std::string::npos) << detailed->body;
  for (const char* page : {"/status", "/metrics"}) {
    const auto denied = get(page, "Bearer wrong");
    ASSERT_TRUE(denied) << page;
    EXPECT_EQ(denied->status, 401) << page;
    EXPECT_EQ(denied->get_header_value("WWW-Authenticate"), "Bearer realm=\"opsagent\"");
    EXPECT_EQ(get(page, bearer)->status, 200) << page;
  }
  EXPECT_EQ(get("/health", bearer)->get_header_value("Content-Type"), "application/health+json");
}

TEST_F(ServerTest, StatusNegotiatesTextOrHtml) {
  start();
  EXPECT_EQ(get("/status")->get_header_value("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(get("/status?format=html")->get_header_value("Content-Type"),
            "text/html; charset=utf-8");
}

TEST_F(ServerTest, PagesAreRateLimitedAndHealthchecksNever) {
  config_.set(std::make_shared<const config::Config>(config_with(false, 1)));
  start();
  // One a second in bursts of 2: a series of 20 is refused somewhere unless every request took
  // over half a second.
  std::optional<httplib::Result> refused;
  for (int i = 0; i < 20 && !refused; ++i) {
    auto r = get("/metrics");
    ASSERT_TRUE(r);
    if (r->status == 429) refused = std::move(r);
  }
  ASSERT_TRUE(refused);
  EXPECT_FALSE((*refused)->get_header_value("Retry-After").empty());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(get("/health/ready")->status, 200) << i;
}

TEST_F(ServerTest, UpstreamsAnswerTheirBreakersState) {
  start();
  EXPECT_EQ(get("/upstreams/soda")->status, 404);  // nothing configured yet
  publish_upstream(probes::BreakerState::closed);
  const auto closed = get("/upstreams/soda");
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->status, 200);
  EXPECT_EQ(closed->get_header_value("Cache-Control"), "no-store");
  EXPECT_NE(closed->body.find(R"("state":"closed")"), std::string::npos) << closed->body;
  EXPECT_FALSE(closed->has_header("Retry-After"));

  publish_upstream(probes::BreakerState::half_open);
  EXPECT_EQ(get("/upstreams/soda")->status, 200);  // half-open lets calls through

  publish_upstream(probes::BreakerState::open);
  const auto open = get("/upstreams/soda");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, 503);
  EXPECT_NE(open->body.find(R"("state":"open")"), std::string::npos) << open->body;
  EXPECT_NE(open->body.find("5 consecutive failures"), std::string::npos) << open->body;
  const int retry = std::stoi(open->get_header_value("Retry-After"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 42);

  const auto unknown = get("/upstreams/geo");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_NE(unknown->body.find(R"(no upstream named \"geo\")"), std::string::npos) << unknown->body;
  EXPECT_EQ(get("/upstreams/a%2Fb")->status, 404);
  EXPECT_EQ(client_->Head("/upstreams/soda")->status, 503);
}

TEST_F(ServerTest, UpstreamDetailsNeedTheTokenAndAreNeverRateLimited) {
  config_.set(std::make_shared<const config::Config>(config_with(false, 1)));
  require_token();
  start();
  publish_upstream(probes::BreakerState::open);
  const auto anonymous = get("/upstreams/soda");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 503);
  EXPECT_EQ(anonymous->body, R"({"state":"open","upstream":"soda"})");
  const auto detailed = get("/upstreams/soda", std::string("Bearer ") + kToken);
  ASSERT_TRUE(detailed);
  EXPECT_NE(detailed->body.find("consecutive_failures"), std::string::npos) << detailed->body;
  // Every request of every app worker may ask: far beyond agent.rate_limit, never a 429.
  for (int i = 0; i < 30; ++i) EXPECT_EQ(get("/upstreams/soda")->status, 503) << i;
}

}  // namespace
}  // namespace opsagent::web
