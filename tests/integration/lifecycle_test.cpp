// Signals as a platform sends them: SIGTERM drains, SIGHUP reloads.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/integration/agent_fixture.hpp"

namespace opsagent::testing {
namespace {

class LifecycleTest : public AgentTest {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<PgCluster>();
    cluster_->exec("CREATE TABLE permits (id int)");
  }
  void rewrite_config(const std::string& text) {
    std::ofstream f(agent_->config_path(), std::ios::trunc);
    f << text;
  }
  std::unique_ptr<PgCluster> cluster_;
};

TEST_F(LifecycleTest, SigtermDrainsThenExitsZero) {
  AgentTimings t;
  t.drain = "2s";
  start_agent(agent_config("expected_tables = [\"permits\"]\n", t), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  const auto sent = std::chrono::steady_clock::now();
  agent_->signal(SIGTERM);
  ASSERT_TRUE(wait_ready(503, 1s)) << "readiness must turn 503 at once";
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 1s);
  auto body = body_json(get("/health/ready"));
  EXPECT_EQ(body["reason"], "draining: the agent is shutting down");
  EXPECT_EQ(get("/health/live").status, 200) << "liveness stays up while draining";
  auto code = agent_->wait_exit(10s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
  EXPECT_GE(std::chrono::steady_clock::now() - sent, 2s) << "exited before the drain period";
  EXPECT_NE(agent_->log().find("shutdown: done"), std::string::npos);
}

TEST_F(LifecycleTest, SigtermWhileTheDatabaseIsFrozenStillExitsPromptly) {
  AgentTimings t;
  t.drain = "1s";
  t.statement_timeout = "5s";  // a cycle in flight may last 1s + 5s + 1s
  start_agent(agent_config("expected_tables = [\"permits\"]\n", t), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  cluster_->freeze();
  // Let a cycle get stuck on the frozen server: the snapshot sequence stops advancing.
  ASSERT_TRUE(eventually([&] { return !wait_for_cycles(1, 600ms); }, 5s));
  const auto sent = std::chrono::steady_clock::now();
  agent_->signal(SIGTERM);
  auto code = agent_->wait_exit(10s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
  // Drain (1s) plus at most 1s for the probe loop, not the 7s cycle deadline.
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 4s);
  EXPECT_NE(agent_->log().find("shutdown: done"), std::string::npos);
  cluster_->thaw();
}

TEST_F(LifecycleTest, SighupReloadsAGoodFileAndKeepsTheOldOnABadOne) {
  start_agent(agent_config("expected_tables = [\"permits\"]\n"), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));

  rewrite_config(agent_config("expected_tables = [\"permits\", \"inspections\"]\n"));
  agent_->signal(SIGHUP);
  ASSERT_TRUE(wait_ready(503, 5s));
  EXPECT_EQ(body_json(get("/health/ready"))["checks"]["schema:tables"]["missing"],
            nlohmann::json({"inspections"}));
  EXPECT_TRUE(agent_->wait_for_log("config reloaded", 2s));

  // A broken file: logged with its line and key, and the config in force stays.
  rewrite_config("[agent]\ninterval = \"fast\"\n");
  agent_->signal(SIGHUP);
  ASSERT_TRUE(agent_->wait_for_log("the config in force stays", 5s));
  EXPECT_TRUE(agent_->wait_for_log(":2:", 1s));
  EXPECT_TRUE(agent_->wait_for_log("agent.interval", 1s));
  cluster_->exec("CREATE TABLE inspections (id int)");
  ASSERT_TRUE(wait_ready(200, 5s)) << "the reloaded (good) config is still the one in force";
  EXPECT_TRUE(agent_->running());
}

TEST_F(LifecycleTest, JsonLogsAreOneObjectPerLine) {
  start_agent(agent_config("expected_tables = [\"permits\", \"nope\"]\n", {},
                           "")  // log format set through the environment override
              ,
              cluster_->app_dsn(), {{"OPSAGENT_LOG_FORMAT", "json"}});
  ASSERT_TRUE(wait_ready(503, 15s));
  ASSERT_TRUE(agent_->wait_for_log("NOT READY", 5s));
  std::istringstream lines(agent_->log());
  int parsed = 0;
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not a JSON line: " << line;
    EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("msg"));
    ++parsed;
  }
  EXPECT_GE(parsed, 2);
}

TEST_F(LifecycleTest, SystemdCredentialsSupplyTheDsnAndToken) {
  // LoadCredential=DATABASE_URL:... puts the secret in $CREDENTIALS_DIRECTORY/DATABASE_URL.
  char dir[] = "/tmp/opsagent-creds-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::ofstream(std::string(dir) + "/DATABASE_URL") << cluster_->app_dsn() << "\n";
  std::ofstream(std::string(dir) + "/OPSAGENT_TOKEN") << "cred-token-9931\n";
  std::string config = agent_config("expected_tables = [\"permits\"]\n");
  config.replace(config.find("[agent]\n"), 8, "[agent]\ntoken_env = \"OPSAGENT_TOKEN\"\n");
  start_agent(config, "", {{"CREDENTIALS_DIRECTORY", dir}, {"OPSAGENT_TOKEN", ""}});
  ASSERT_TRUE(wait_ready(200, 15s));
  EXPECT_EQ(get("/status").status, 401);
  EXPECT_EQ(get("/status", {{"Authorization", "Bearer cred-token-9931"}}).status, 200);
  std::filesystem::remove_all(dir);
}

TEST_F(LifecycleTest, PortInUseIsAClearStartupError) {
  start_agent(agent_config("expected_tables = [\"permits\"]\n"), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  AgentProcess second(AgentProcess::Options{
      agent_config("expected_tables = [\"permits\"]\n"),
      {{"DATABASE_URL", cluster_->app_dsn()}, {"PORT", std::to_string(agent_->port())}}});
  auto code = second.wait_exit(10s);
  ASSERT_TRUE(code);
  EXPECT_NE(*code, 0);
  EXPECT_NE(second.log().find("cannot listen on 127.0.0.1:" + std::to_string(agent_->port())),
            std::string::npos)
      << second.log();
}

}  // namespace
}  // namespace opsagent::testing
