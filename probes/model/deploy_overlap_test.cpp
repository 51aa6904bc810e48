#include "probes/model/deploy_overlap.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

// `used` sessions of the running deployment against 97 usable slots, and the reference app's
// pools (4×20 + 1×20 = 100; pools of `pool_max` instead of 20) with deploy.overlap `overlap`.
Snapshot starting(int used, int overlap, int pool_max = 20) {
  ActivityRow old;
  old.application_name = "web:41";
  old.state = "idle";
  old.counts.total = used;
  old.counts.idle = used;
  Snapshot s;
  s.activity = aggregate_activity({old});
  s.activity->max_connections = 100;
  s.activity->superuser_reserved_connections = 3;
  s.activity->usable_slots = 97;
  config::PoolSection pool;
  pool.clients = {{"web", "web:*", 4, pool_max}, {"cron", "cron", 1, pool_max}};
  s.pool = evaluate_pool(*s.activity, pool, nullptr, overlap);
  CheckResult connection;
  connection.name = "postgres:connection";
  connection.status = CheckStatus::pass;
  s.checks.push_back(connection);
  return s;
}

TEST(DeployRisk, InUseNowPlusThisDeploymentsPools) {
  const auto s = starting(12, 2);
  const auto risk = deploy_risk(*s.activity, s.pool->budget);
  ASSERT_TRUE(risk);
  EXPECT_EQ(risk->in_use, 12);
  EXPECT_EQ(risk->adds, 100);
  EXPECT_TRUE(risk->exhausts);
  EXPECT_EQ(risk->arithmetic,
            "12 sessions in use now + 100 for this deployment's pools (4×20 (web) + 1×20 "
            "(cron)) = 112 > 97 usable slots");
  // Three deployments at once: two more copies arrive.
  const auto three = starting(12, 3);
  EXPECT_EQ(deploy_risk(*three.activity, three.pool->budget)->arithmetic,
            "12 sessions in use now + 200 for this deployment's pools (2 × (4×20 (web) + 1×20 "
            "(cron))) = 212 > 97 usable slots");
  // No overlap: nothing to compare.
  const auto none = starting(12, 1);
  EXPECT_FALSE(deploy_risk(*none.activity, none.pool->budget));
}

TEST(DeployRisk, FitsWhenFewSessionsAreInUse) {
  auto s = starting(0, 2);
  config::PoolSection small;
  small.clients = {{"web", "web:*", 2, 20}, {"cron", "cron", 1, 10}};  // 50
  s.pool = evaluate_pool(*s.activity, small, nullptr, 2);
  const auto risk = deploy_risk(*s.activity, s.pool->budget);
  ASSERT_TRUE(risk);
  EXPECT_FALSE(risk->exhausts);
  const auto c = deploy_check(*risk, true, true);
  EXPECT_EQ(c.status, CheckStatus::pass);
  EXPECT_TRUE(c.gates_readiness);
  EXPECT_EQ(c.message,
            "this deploy fits while the old deployment still runs: 0 sessions in use now + 50 for "
            "this deployment's pools (2×20 (web) + 1×10 (cron)) = 50 ≤ 97 usable slots");
}

TEST(DeployCheck, WarnsOrGatesWhileStartingOnly) {
  const auto s = starting(12, 2);
  const auto risk = *deploy_risk(*s.activity, s.pool->budget);
  const auto warn = deploy_check(risk, true, false);
  EXPECT_EQ(warn.name, "pool:deploy");
  EXPECT_EQ(warn.status, CheckStatus::warn);
  EXPECT_FALSE(warn.gates_readiness);
  EXPECT_EQ(warn.error, ErrorClass::deploy_overlap);
  EXPECT_EQ(warn.message,
            "this deploy can exhaust Postgres while the old deployment still runs: 12 sessions in "
            "use now + 100 for this deployment's pools (4×20 (web) + 1×20 (cron)) = 112 > 97 "
            "usable slots; a warning only (deploy.gate = true holds the deploy back)");
  ASSERT_TRUE(warn.observed_value);
  EXPECT_EQ(*warn.observed_value, 112);
  const auto gate = deploy_check(risk, true, true);
  EXPECT_EQ(gate.status, CheckStatus::fail);
  EXPECT_TRUE(gate.gates_readiness);
  EXPECT_NE(gate.message.find("not ready until enough of those sessions close (deploy.gate)"),
            std::string::npos);
  const auto after = deploy_check(risk, false, true);
  EXPECT_EQ(after.status, CheckStatus::warn);
  EXPECT_FALSE(after.gates_readiness);
  EXPECT_TRUE(after.message.starts_with("when this deployment started: this deploy can exhaust"))
      << after.message;
}

TEST(DeployWatch, ComparesUntilReadyThenKeepsTheStartsVerdict) {
  DeployWatch watch;
  config::DeploySection gated{.overlap = 2, .overlap_from_platform = false, .gate = true};
  // Pools of 10: 50 per deployment. Gated and too many sessions (50 + 50 > 97): not ready,
  // logged once as a problem.
  auto first = starting(50, 2, 10);
  const auto news = watch.observe(first, gated);
  ASSERT_TRUE(news);
  EXPECT_TRUE(news->problem);
  EXPECT_TRUE(news->message.starts_with("deploy: this deploy can exhaust Postgres"))
      << news->message;
  ASSERT_NE(first.first_failure(), nullptr);
  EXPECT_EQ(first.first_failure()->name, "pool:deploy");
  auto second = starting(49, 2, 10);
  EXPECT_FALSE(watch.observe(second, gated));  // same verdict: no new log line
  EXPECT_EQ(second.find("pool:deploy")->status, CheckStatus::fail);
  // The old deployment winds down (40 + 50 fits): the agent turns ready, and says so.
  auto third = starting(40, 2, 10);
  const auto fits = watch.observe(third, gated);
  ASSERT_TRUE(fits);
  EXPECT_FALSE(fits->problem);
  EXPECT_EQ(third.first_failure(), nullptr);
  EXPECT_EQ(third.find("pool:deploy")->status, CheckStatus::pass);
  // Once ready the start's verdict stays, never gating, whatever is in use now.
  auto later = starting(90, 2, 10);
  EXPECT_FALSE(watch.observe(later, gated));
  const auto* kept = later.find("pool:deploy");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->status, CheckStatus::pass);
  EXPECT_FALSE(kept->gates_readiness);
  EXPECT_TRUE(kept->message.starts_with("when this deployment started: this deploy fits"))
      << kept->message;
  EXPECT_EQ(later.first_failure(), nullptr);
}

TEST(DeployWatch, WarnsWithoutTheGateAndIsReadyAtOnce) {
  DeployWatch watch;
  config::DeploySection overlap{.overlap = 2, .overlap_from_platform = true, .gate = false};
  auto s = starting(40, 2);
  ASSERT_TRUE(watch.observe(s, overlap));
  EXPECT_EQ(s.first_failure(), nullptr);
  EXPECT_EQ(s.find("pool:deploy")->status, CheckStatus::warn);
  auto later = starting(0, 2);
  watch.observe(later, overlap);
  EXPECT_EQ(later.find("pool:deploy")->status, CheckStatus::warn);  // the start's verdict
  // Without overlap, or without activity, there is no check.
  DeployWatch off;
  auto plain = starting(40, 1);
  EXPECT_FALSE(off.observe(plain, config::DeploySection{}));
  EXPECT_EQ(plain.find("pool:deploy"), nullptr);
  Snapshot down;
  EXPECT_FALSE(off.observe(down, overlap));
  EXPECT_EQ(down.find("pool:deploy"), nullptr);
}

}  // namespace
}  // namespace opsagent::probes
