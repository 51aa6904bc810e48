// Deploy overlap against a real Postgres: the test holds sessions open as the "old deployment"
// would, and the agent (the new deployment) compares them plus its own app's declared pools with
// the usable slots while it starts: a warning by default (with the Railway default of
// deploy.overlap), a readiness gate with deploy.gate, and the start's verdict kept afterwards.
#include <gtest/gtest.h>

#include "tests/integration/agent_fixture.hpp"

namespace opsagent::testing {
namespace {

// The app: 2 web workers with pools of 5, 10 connections per deployment; against
// max_connections 20 − 3 reserved = 17 usable slots that fits once, not twice.
constexpr const char* kSmallApp = R"(
[[pool.clients]]
name = "web"
application_name = "web:*"
instances = 2
pool_max = 5
)";

class DeployTest : public AgentTest {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<PgCluster>();  // max_connections 20, 3 reserved: 17 usable
  }
  // `n` idle sessions of the old deployment's web workers.
  void hold_old_sessions(int n) {
    for (int i = 0; i < n; ++i) {
      held_.push_back(cluster_->connect(cluster_->app_dsn() + "?application_name=web:old" +
                                        std::to_string(i % 2)));
    }
  }
  std::string config(const std::string& deploy) {
    return agent_config("") + deploy + "[pool]\n" + kSmallApp;
  }

  std::unique_ptr<PgCluster> cluster_;
  std::vector<std::unique_ptr<HeldConnection>> held_;
};

TEST_F(DeployTest, OnRailwayTheDeployWarnsWhenTheOldSessionsPlusItsPoolsOverflow) {
  hold_old_sessions(8);
  // No [deploy] in the file: on Railway the deployments overlap.
  start_agent(config(""), cluster_->app_dsn(), {{"RAILWAY_DEPLOYMENT_ID", "d-1"}});
  ASSERT_TRUE(wait_ready(200, 15s)) << get("/health").body;  // a warning, not a gate
  nlohmann::json check;
  ASSERT_TRUE(eventually(
      [&] {
        check = health_check("pool:deploy");
        return check.value("output", "").find("8 sessions in use now") != std::string::npos;
      },
      10s))
      << get("/health").body;
  EXPECT_EQ(check["status"], "warn");
  EXPECT_EQ(check["errorClass"], "deploy_overlap");
  EXPECT_EQ(check["affectsReadiness"], false);
  EXPECT_NE(check["output"].get<std::string>().find(
                "this deploy can exhaust Postgres while the old deployment still runs: 8 "
                "sessions in use now + 10 for this deployment's pools (2×5 (web)) = 18 > 17 "
                "usable slots"),
            std::string::npos)
      << check;
  EXPECT_EQ(check["observedValue"], 18);

  // The budget's two lines: steady state fits, two deployments do not.
  const auto budget = body_json(get("/health"))["pool"]["budget"];
  EXPECT_EQ(budget["fits"], true) << budget;
  EXPECT_EQ(budget["overlap"], 2);
  EXPECT_EQ(budget["during_deploy"], 20);
  EXPECT_EQ(budget["deploy_fits"], false);
  EXPECT_EQ(budget["deploy_arithmetic"],
            "during a deploy (2 deployments side by side): 2 × (2×5 (web)) = 20 > 17 usable slots");
  EXPECT_EQ(health_check("pool:budget")["status"], "warn");

  const auto status = get("/status").body;
  EXPECT_NE(status.find("deploy      !! CANNOT FIT: during a deploy"), std::string::npos) << status;
  EXPECT_NE(status.find("this deploy !! "), std::string::npos) << status;
  const auto metrics = get("/metrics").body;
  EXPECT_NE(metrics.find("\nopsagent_pool_budget_deploy_connections 20\n"), std::string::npos);
  EXPECT_NE(metrics.find("\nopsagent_pool_budget_deploy_fits 0\n"), std::string::npos);
  // Logged once, as a warning.
  const auto log = agent_->log();
  const auto line = log.find("deploy: this deploy can exhaust Postgres");
  EXPECT_NE(line, std::string::npos) << log;
  EXPECT_EQ(log.find("deploy: this deploy can exhaust Postgres", line + 1), std::string::npos)
      << log;
}

TEST_F(DeployTest, TheGateHoldsTheDeployUntilTheOldSessionsCloseAndThenLetsGo) {
  hold_old_sessions(8);
  start_agent(config("[deploy]\noverlap = true\ngate = true\n"), cluster_->app_dsn());
  ASSERT_TRUE(
      eventually([&] { return health_check("pool:deploy").value("status", "") == "fail"; }, 15s))
      << get("/health").body;
  EXPECT_EQ(health_check("pool:deploy")["affectsReadiness"], true);
  ASSERT_TRUE(wait_ready(503, 5s));
  EXPECT_TRUE(wait_for_cycles(3, 5s));
  EXPECT_EQ(get("/health/ready").status, 503) << "held back while 8 + 10 > 17";
  const auto ready_body = body_json(get("/health/ready"));
  EXPECT_NE(ready_body.dump().find("pool:deploy"), std::string::npos) << ready_body;

  // The old deployment winds down: 6 + 10 = 16 fits, so the new one turns ready.
  held_.resize(6);
  ASSERT_TRUE(wait_ready(200, 10s)) << get("/health").body;
  auto check = health_check("pool:deploy");
  EXPECT_EQ(check["status"], "pass") << check;
  EXPECT_NE(check["output"].get<std::string>().find("this deploy fits"), std::string::npos);

  // Once ready it is no longer a deploy: more sessions never take it out of rotation, and the
  // start's verdict stays.
  hold_old_sessions(4);
  EXPECT_TRUE(wait_for_cycles(3, 5s));
  EXPECT_EQ(get("/health/ready").status, 200);
  check = health_check("pool:deploy");
  EXPECT_EQ(check["status"], "pass") << check;
  EXPECT_EQ(check["affectsReadiness"], false);
  EXPECT_TRUE(check["output"].get<std::string>().starts_with("when this deployment started:"))
      << check;
  const auto log = agent_->log();
  EXPECT_NE(log.find("deploy: this deploy can exhaust Postgres"), std::string::npos) << log;
  EXPECT_NE(log.find("deploy: this deploy fits"), std::string::npos) << log;
}

TEST_F(DeployTest, WithoutOverlapThereIsNoDeployCheck) {
  hold_old_sessions(8);
  start_agent(config(""), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  EXPECT_TRUE(wait_for_cycles(2, 5s));
  EXPECT_TRUE(health_check("pool:deploy").empty());
  const auto budget = body_json(get("/health"))["pool"]["budget"];
  EXPECT_EQ(budget["overlap"], 1) << budget;
  EXPECT_EQ(budget["deploy_arithmetic"], "");
}

}  // namespace
}  // namespace opsagent::testing
