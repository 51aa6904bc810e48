#include "probes/model/pool_model.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

TEST(GlobMatch, StarAndQuestionMark) {
  EXPECT_TRUE(glob_match("web:*", "web:1234"));
  EXPECT_TRUE(glob_match("web:*", "web:"));
  EXPECT_FALSE(glob_match("web:*", "webx1"));
  EXPECT_TRUE(glob_match("cron", "cron"));
  EXPECT_FALSE(glob_match("cron", "cron2"));
  EXPECT_TRUE(glob_match("w?b*1", "web:1"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*a*b*c", "xxaxxbxxc"));
  EXPECT_FALSE(glob_match("*a*b*c", "xxaxxbxx"));
}

ActivityRow row(std::string app, const std::string& state, int n) {
  ActivityRow r;
  r.application_name = std::move(app);
  r.user = "app";
  r.database = "app";
  r.client_addr = "10.0.0.1";
  r.state = state;
  r.counts.total = n;
  if (state == "idle") r.counts.idle = n;
  if (state == "active") r.counts.active = n;
  return r;
}

ActivitySnapshot reference_app(int used_by_web1) {
  std::vector<ActivityRow> rows{row("web:1", "idle", used_by_web1), row("web:2", "active", 4),
                                row("cron", "idle", 2), row("psql", "idle", 1)};
  auto a = aggregate_activity(rows);
  a.max_connections = 100;
  a.superuser_reserved_connections = 3;
  a.usable_slots = 97;
  return a;
}

config::PoolSection reference_pool() {
  config::PoolSection p;
  p.clients = {{"web", "web:*", 4, 20}, {"cron", "cron", 1, 20}};
  return p;
}

TEST(EvaluatePool, ReferenceBudgetDoesNotFit) {
  auto report = evaluate_pool(reference_app(3), reference_pool());
  EXPECT_EQ(report.budget.declared, 100);
  EXPECT_FALSE(report.budget.fits);
  EXPECT_EQ(report.budget.arithmetic,
            "4×20 (web) + 1×20 (cron) = 100 > 97 usable slots "
            "(100 max_connections − 3 superuser_reserved_connections)");
  ASSERT_EQ(report.clients.size(), 2u);
  EXPECT_EQ(report.clients[0].connections, 7);
  EXPECT_EQ(report.clients[0].per_instance.front().application_name, "web:2");
  EXPECT_EQ(report.clients[1].connections, 2);
  EXPECT_EQ(report.unattributed, 1);
  EXPECT_EQ(report.level, PoolLevel::ok);
}

// The design notes' reference app during a zero-downtime deploy: the old and the new deployment
// side by side, 2 × (4×20 + 1×20) = 200 pooled connections against 97 usable slots.
TEST(EvaluatePool, DuringADeployTheOverlappingDeploymentsPoolsAddUp) {
  const auto steady = evaluate_pool(reference_app(3), reference_pool());
  EXPECT_EQ(steady.budget.overlap, 1);
  EXPECT_TRUE(steady.budget.deploy_fits);
  EXPECT_TRUE(steady.budget.deploy_arithmetic.empty());
  EXPECT_EQ(steady.budget.app_pools, 100);
  EXPECT_EQ(steady.budget.app_pools_terms, "4×20 (web) + 1×20 (cron)");

  const auto deploy = evaluate_pool(reference_app(3), reference_pool(), nullptr, 2);
  EXPECT_EQ(deploy.budget.declared, 100);  // the steady-state line is unchanged
  EXPECT_EQ(deploy.budget.during_deploy, 200);
  EXPECT_FALSE(deploy.budget.deploy_fits);
  EXPECT_EQ(deploy.budget.deploy_arithmetic,
            "during a deploy (2 deployments side by side): 2 × (4×20 (web) + 1×20 (cron)) = 200 > "
            "97 usable slots");
  const auto three = evaluate_pool(reference_app(3), reference_pool(), nullptr, 3);
  EXPECT_EQ(three.budget.during_deploy, 300);

  // Pools that fit in steady state but not twice: pool:budget warns and says why.
  config::PoolSection small;
  small.clients = {{"web", "web:*", 2, 20}, {"cron", "cron", 1, 10}};  // 50
  const auto a = reference_app(3);
  const auto fits = evaluate_pool(a, small, nullptr, 2);
  EXPECT_TRUE(fits.budget.fits);
  EXPECT_FALSE(fits.budget.deploy_fits);
  EXPECT_EQ(fits.budget.during_deploy, 100);
  const auto checks = pool_checks(a, fits);
  ASSERT_EQ(checks[1].name, "pool:budget");
  EXPECT_EQ(checks[1].status, CheckStatus::warn);
  EXPECT_EQ(checks[1].message,
            "the declared pools fit, but can exhaust Postgres during a deploy: 2×20 (web) + 1×10 "
            "(cron) = 50 ≤ 97 usable slots (100 max_connections − 3 "
            "superuser_reserved_connections); during a deploy (2 deployments side by side): 2 × "
            "(2×20 (web) + 1×10 (cron)) = 100 > 97 usable slots");
  small.clients[1].pool_max = 5;  // 45, twice 90: fits both ways
  const auto both = evaluate_pool(a, small, nullptr, 2);
  EXPECT_TRUE(both.budget.deploy_fits);
  EXPECT_EQ(pool_checks(a, both)[1].status, CheckStatus::pass);
}

TEST(EvaluatePool, DuringADeployPgBouncersServerSideDoesNotGrow) {
  config::PoolSection pool;
  pool.clients = {{"web", "web:*", 4, 20, true}, {"cron", "cron", 1, 20}};
  PgBouncerSnapshot pooler;
  pooler.max_client_conn = 100;
  pooler.default_pool_size = 20;
  const auto r = evaluate_pool(reference_app(3), pool, &pooler, 2);
  std::string cap_terms;
  const int cap = pooler.server_connection_cap(&cap_terms);
  EXPECT_EQ(r.budget.app_pools, 20);  // cron only connects directly
  EXPECT_EQ(r.budget.during_deploy, 2 * 20 + cap);
  EXPECT_NE(r.budget.deploy_arithmetic.find("2 × (1×20 (cron)) + PgBouncer's server side"),
            std::string::npos)
      << r.budget.deploy_arithmetic;
  // The app's clients double in PgBouncer: 2 × 80 = 160 > 100 max_client_conn.
  EXPECT_NE(r.budget.deploy_arithmetic.find(
                "; via PgBouncer 2 × (4×20 (web)) = 160 > 100 max_client_conn"),
            std::string::npos)
      << r.budget.deploy_arithmetic;
  EXPECT_FALSE(r.budget.deploy_fits);
}

TEST(EvaluatePool, LevelsAndInstanceAtLimit) {
  auto a = reference_app(20);  // web:1 at its pool_max; 27 used of 97
  auto pool = reference_pool();
  pool.warn = {config::Threshold::Kind::count, 25};
  pool.critical = {config::Threshold::Kind::slots_left, 70};
  auto report = evaluate_pool(a, pool);
  EXPECT_EQ(report.level, PoolLevel::critical);  // 97 - 27 = 70 slots left
  EXPECT_EQ(report.clients[0].instances_at_limit, 1);
  auto checks = pool_checks(a, report);
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].name, "postgres:connections");
  EXPECT_EQ(checks[0].status, CheckStatus::fail);
  EXPECT_FALSE(checks[0].gates_readiness);
  EXPECT_NEAR(*checks[0].observed_value, 27.0 * 100 / 97, 1e-9);
  EXPECT_EQ(checks[1].name, "pool:budget");
  EXPECT_EQ(checks[1].status, CheckStatus::warn);
  EXPECT_EQ(checks[2].name, "pool:clients");
  EXPECT_EQ(checks[2].message, "at pool_max: web:1 (20/20)");
  pool.critical = {config::Threshold::Kind::percent, 95};
  EXPECT_EQ(evaluate_pool(a, pool).level, PoolLevel::warn);
}

TEST(EvaluatePool, NoClientsNoBudgetCheck) {
  auto checks = pool_checks(reference_app(1), evaluate_pool(reference_app(1), {}));
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].status, CheckStatus::pass);
}

TEST(AggregateActivity, CapsGroupsAndKeepsTotals) {
  std::vector<ActivityRow> rows;
  rows.reserve(30);
  // Appended, not "w" + std::to_string(i): g++ 12 at -O3 reports a false -Wrestrict for it.
  for (int i = 0; i < 30; ++i) {
    rows.push_back(row(std::string("w").append(std::to_string(i)), "idle", 30 - i));
  }
  auto a = aggregate_activity(rows);
  ASSERT_EQ(a.by_application.size(), ActivitySnapshot::kMaxGroups);
  EXPECT_EQ(a.by_application.front().key, "w0");
  EXPECT_EQ(a.by_application.back().key, ActivitySnapshot::kOtherGroup);
  int total = 0;
  for (const auto& g : a.by_application) total += g.counts.total;
  EXPECT_EQ(total, a.sessions.total);
  EXPECT_EQ(a.all_applications.size(), 30u);
}

TEST(SessionCounts, AddKeepsTheOldestAges) {
  SessionCounts a, b;
  a.oldest_xact_s = 3.0;
  b.oldest_xact_s = 7.5;
  b.longest_query_s = 1.0;
  a.add(b);
  EXPECT_EQ(a.oldest_xact_s, 7.5);
  EXPECT_EQ(a.longest_query_s, 1.0);
  EXPECT_FALSE(a.oldest_idle_in_xact_s);
}

// An app that logs in as a superuser can take the slots Postgres keeps for an admin: the budget
// check says so even when the numbers fit.
TEST(EvaluatePool, ASuperuserClientIsFlagged) {
  auto web = row("web:1", "idle", 3);
  web.superuser = true;
  auto a = aggregate_activity({web, row("cron", "idle", 1)});
  a.max_connections = 100;
  a.superuser_reserved_connections = 3;
  a.usable_slots = 97;
  config::PoolSection pool;
  pool.clients = {{.name = "web", .application_name = "web:*", .instances = 2, .pool_max = 5},
                  {.name = "cron", .application_name = "cron", .instances = 1, .pool_max = 5}};
  const auto r = evaluate_pool(a, pool);
  EXPECT_TRUE(r.budget.fits);
  EXPECT_TRUE(r.clients[0].superuser);
  EXPECT_FALSE(r.clients[1].superuser);
  EXPECT_NE(r.budget.superuser_note.find("web connect(s) as a superuser role"), std::string::npos)
      << r.budget.superuser_note;
  const auto checks = pool_checks(a, r);
  EXPECT_EQ(checks[1].name, "pool:budget");
  EXPECT_EQ(checks[1].status, CheckStatus::warn);
  EXPECT_NE(checks[1].message.find("3 superuser_reserved_connections"), std::string::npos);
  // Without superuser sessions: no note, a pass.
  const auto plain = evaluate_pool(aggregate_activity({row("web:1", "idle", 3)}), pool);
  EXPECT_TRUE(plain.budget.superuser_note.empty());
}

}  // namespace
}  // namespace opsagent::probes
