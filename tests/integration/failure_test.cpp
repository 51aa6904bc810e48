// The database misbehaves; the agent must say so within its deadline and keep answering
// /health/ready in milliseconds throughout.
#include <gtest/gtest.h>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/silent_listener.hpp"

namespace opsagent::testing {
namespace {

constexpr const char* kTables = "expected_tables = [\"permits\"]\n";

class FailureTest : public AgentTest {
 protected:
  void make_cluster(const PgCluster::Options& options = {}) {
    const bool start = options.start;
    cluster_ = std::make_unique<PgCluster>(options);
    if (start) create_schema();
  }
  void create_schema() { cluster_->exec("CREATE TABLE permits (id int)"); }

  // Polls /health/ready until `status`, asserting every answer came fast. Returns the time it
  // took, or nullopt on timeout.
  std::optional<std::chrono::milliseconds> fast_until(int status,
                                                      std::chrono::milliseconds timeout) {
    const auto start = std::chrono::steady_clock::now();
    std::optional<std::chrono::milliseconds> took;
    eventually(
        [&] {
          auto r = get("/health/ready");
          // Generous for a shared machine: the handler itself takes microseconds.
          EXPECT_LT(r.elapsed, 250ms) << "a slow /health/ready answer: " << r.error;
          if (r.status != status) return false;
          took = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - start);
          return true;
        },
        timeout, 25ms);
    return took;
  }

  std::string error_of(const std::string& check) {
    auto b = body_json(get("/health/ready"));
    auto e = b["checks"][check]["error"];
    return e.is_string() ? e.get<std::string>() : "";
  }

  std::unique_ptr<PgCluster> cluster_;
};

TEST_F(FailureTest, PostgresNotRunningAtStartThenStarted) {
  make_cluster({.start = false});
  // The DSN names the port the cluster will use; nothing listens there yet.
  start_agent(agent_config(kTables), "postgresql://app:" + percent_encode(PgCluster::kAppPassword) +
                                         "@127.0.0.1:" + std::to_string(cluster_->port()) + "/app");
  ASSERT_TRUE(eventually([&] { return get("/health/live").status == 200; }, 10s));
  ASSERT_TRUE(eventually([&] { return error_of("postgres:connection") == "refused"; }, 10s));
  EXPECT_EQ(get("/health/ready").status, 503);
  EXPECT_EQ(get("/health/live").status, 200);

  cluster_->start();
  create_schema();
  ASSERT_TRUE(fast_until(200, 15s));
}

TEST_F(FailureTest, PostgresStoppedMidRun) {
  make_cluster();
  start_agent(agent_config(kTables), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  cluster_->stop();
  // Within the statement timeout (1s) + interval (200ms), plus slack for a loaded machine.
  auto took = fast_until(503, 10s);
  ASSERT_TRUE(took);
  EXPECT_LT(*took, 3s);
  EXPECT_EQ(get("/health/live").status, 200);
  cluster_->start();
  ASSERT_TRUE(fast_until(200, 15s));
}

TEST_F(FailureTest, PostgresFrozenWithSigstop) {
  make_cluster();
  start_agent(agent_config(kTables), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  cluster_->freeze();
  // The server never answers: only the client-side deadline (statement_timeout 1s + 1s grace)
  // ends the cycle. Plus one interval, plus slack.
  auto took = fast_until(503, 15s);
  ASSERT_TRUE(took);
  EXPECT_LT(*took, 5s);
  EXPECT_EQ(error_of("postgres:connection"), "timeout");
  // Stays not ready and fast while frozen: reconnects time out too.
  auto still = fast_until(200, 3s);
  EXPECT_FALSE(still);
  EXPECT_EQ(get("/health/live").status, 200);
  cluster_->thaw();
  ASSERT_TRUE(fast_until(200, 15s));
}

TEST_F(FailureTest, ListenerThatNeverAnswers) {
  SilentTcpListener silent;
  start_agent(agent_config(kTables), silent.dsn());
  ASSERT_TRUE(eventually([&] { return error_of("postgres:connection") == "timeout"; }, 10s));
  EXPECT_GE(silent.accepted(), 1);
  auto r = get("/health/ready");
  EXPECT_EQ(r.status, 503);
  EXPECT_LT(r.elapsed, 250ms);
  EXPECT_EQ(get("/health/live").status, 200);
  // Keeps answering quickly across several timed-out cycles.
  EXPECT_FALSE(fast_until(200, 3s));
}

// Every usable slot taken is pressure: by default a warning, readiness stays (every replica
// leaving rotation because the database is busy would turn a busy database into an outage);
// with readiness.on_pressure = "not_ready" (a strict deploy gate) it is a 503.
class FailurePressureTest : public FailureTest,
                            public ::testing::WithParamInterface<const char*> {};

TEST_P(FailurePressureTest, ConnectionsExhaustedReportedAsTooManyConnections) {
  const std::string rule = GetParam();
  // 6 slots, 3 reserved for superusers: 3 for the app role; the agent holds one.
  make_cluster({.max_connections = 6, .superuser_reserved_connections = 3});
  AgentTimings t;
  t.fresh_connect_interval = "1s";
  start_agent(agent_config(std::string(kTables) + "on_pressure = \"" + rule + "\"\n", t),
              cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  std::vector<std::unique_ptr<HeldConnection>> held;
  held.push_back(cluster_->connect(cluster_->app_dsn()));
  held.push_back(cluster_->connect(cluster_->app_dsn()));
  // The agent's own connection still works; its periodic fresh connection does not.
  ASSERT_TRUE(eventually(
      [&] { return error_of("postgres:fresh_connect") == "too_many_connections"; }, 10s));
  auto health = body_json(get("/health"));
  EXPECT_EQ(health["checks"]["postgres:connection"][0]["status"], "pass");
  const auto& fresh = health["checks"]["postgres:fresh_connect"][0];
  if (rule == "warn") {
    EXPECT_EQ(fresh["status"], "warn");
    EXPECT_EQ(fresh["affectsReadiness"], false);
    EXPECT_EQ(get("/health/ready").status, 200);
  } else {
    EXPECT_EQ(fresh["status"], "fail");
    EXPECT_EQ(get("/health/ready").status, 503);
  }
  held.clear();
  ASSERT_TRUE(wait_ready(200, 10s));
  EXPECT_TRUE(eventually(
      [&] {
        return body_json(get("/health"))["checks"]["postgres:fresh_connect"][0]["status"] == "pass";
      },
      10s));
}

INSTANTIATE_TEST_SUITE_P(Rules, FailurePressureTest, ::testing::Values("warn", "not_ready"));

// An agent that has never verified the schema cannot vouch for it, busy database or not.
TEST_F(FailureTest, AgentStartedWhenAlreadyFull) {
  make_cluster({.max_connections = 5, .superuser_reserved_connections = 3});
  std::vector<std::unique_ptr<HeldConnection>> held;
  held.push_back(cluster_->connect(cluster_->app_dsn()));
  held.push_back(cluster_->connect(cluster_->app_dsn()));
  start_agent(agent_config(kTables), cluster_->app_dsn());
  ASSERT_TRUE(
      eventually([&] { return error_of("postgres:connection") == "too_many_connections"; }, 10s));
  EXPECT_EQ(get("/health/ready").status, 503);
}

TEST_F(FailureTest, WrongPasswordIsAuthAndNeverShown) {
  make_cluster();
  start_agent(agent_config(kTables),
              cluster_->app_dsn("not-the-" + std::string(PgCluster::kAppPassword)));
  ASSERT_TRUE(eventually([&] { return error_of("postgres:connection") == "auth"; }, 10s));
  auto health = get("/health");
  EXPECT_EQ(health.status, 503);
  EXPECT_NE(health.body.find("password authentication failed"), std::string::npos);
}

TEST_F(FailureTest, UnsetDatabaseUrlIsAConfigError) {
  agent_ = std::make_unique<AgentProcess>(
      AgentProcess::Options{agent_config(kTables), {{"DATABASE_URL", ""}}});
  ASSERT_TRUE(eventually([&] { return error_of("postgres:connection") == "config"; }, 10s));
  EXPECT_NE(body_json(get("/health/ready"))["reason"].get<std::string>().find("DATABASE_URL"),
            std::string::npos);
}

}  // namespace
}  // namespace opsagent::testing
