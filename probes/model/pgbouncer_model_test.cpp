#include "probes/model/pgbouncer_model.hpp"

#include <gtest/gtest.h>

#include "probes/model/pool_model.hpp"

namespace opsagent::probes {
namespace {

// PgBouncer in front of the reference app: default_pool_size 10, max_client_conn 100.
PgBouncerSnapshot bouncer(int waiting, double maxwait_s) {
  PgBouncerSnapshot s;
  s.max_client_conn = 100;
  s.default_pool_size = 10;
  s.pool_mode = "transaction";
  s.databases.push_back({.name = "app",
                         .pool_size = 10,
                         .reserve_pool = 0,
                         .max_connections = 0,
                         .current_connections = 10,
                         .pool_mode = ""});
  PgBouncerPool p;
  p.database = "app";
  p.user = "app";
  p.pool_mode = "transaction";
  p.cl_active = 11;
  p.cl_waiting = waiting;
  p.sv_active = 10;
  p.maxwait_s = maxwait_s;
  p.pool_size = 10;
  s.pools.push_back(p);
  return s;
}

TEST(PgBouncerCheck, PassWarnAndCriticalNeverGatingByDefault) {
  config::Config c;
  auto pass = pgbouncer_check(bouncer(0, 0), c);
  EXPECT_EQ(pass.status, CheckStatus::pass);
  EXPECT_FALSE(pass.gates_readiness);
  auto warn = pgbouncer_check(bouncer(21, 1.5), c);
  EXPECT_EQ(warn.status, CheckStatus::warn);
  EXPECT_EQ(warn.error, ErrorClass::pooler_saturated);
  EXPECT_NE(warn.message.find("21 client(s) wait"), std::string::npos) << warn.message;
  EXPECT_NE(warn.message.find("app/app: 21 waiting (maxwait 1500ms), 10/10 server connections"),
            std::string::npos)
      << warn.message;
  auto critical = pgbouncer_check(bouncer(21, 6), c);
  EXPECT_EQ(critical.status, CheckStatus::fail);
  EXPECT_FALSE(critical.gates_readiness);
  c.readiness.on_pressure = config::ReadinessSection::Pressure::not_ready;
  EXPECT_TRUE(pgbouncer_check(bouncer(21, 6), c).gates_readiness);
  EXPECT_FALSE(pgbouncer_check(bouncer(21, 1), c).gates_readiness);  // a warning never gates
  c.pgbouncer.maxwait_critical = config::Duration{0};
  EXPECT_EQ(pgbouncer_check(bouncer(21, 600), c).status, CheckStatus::warn);
}

TEST(PgBouncerModel, ServerConnectionCapFollowsPoolSizesAndLimits) {
  auto s = bouncer(0, 0);
  std::string how;
  EXPECT_EQ(s.server_connection_cap(&how), 10);
  EXPECT_EQ(how, "1×(10+0) (app)");
  s.databases[0].reserve_pool = 5;
  s.pools.push_back(s.pools[0]);
  s.pools.back().user = "cron";
  EXPECT_EQ(s.server_connection_cap(&how), 30);  // two pools of (10+5)
  s.max_db_connections = 12;
  EXPECT_EQ(s.server_connection_cap(&how), 12);
  EXPECT_EQ(how, "12 max_db_connections (app)");
}

TEST(PgBouncerModel, ATimeoutBehindAFullQueueIsThePoolersFault) {
  const auto full = bouncer(3, 2);
  std::string message = "the server did not answer before the probe deadline";
  EXPECT_EQ(pooler_blame(ErrorClass::timeout, &full, "app", &message),
            ErrorClass::pooler_saturated);
  EXPECT_NE(message.find("PgBouncer's queue"), std::string::npos) << message;
  // Other databases' queues, other errors, or no console: the error stays what it was.
  EXPECT_EQ(pooler_blame(ErrorClass::timeout, &full, "other", nullptr), ErrorClass::timeout);
  EXPECT_EQ(pooler_blame(ErrorClass::refused, &full, "app", nullptr), ErrorClass::refused);
  EXPECT_EQ(pooler_blame(ErrorClass::timeout, nullptr, "app", nullptr), ErrorClass::timeout);
  const auto calm = bouncer(0, 0);
  EXPECT_EQ(pooler_blame(ErrorClass::timeout, &calm, "app", nullptr), ErrorClass::timeout);
}

// The reference app through PgBouncer: 4×20 + 1×20 = 100 app connections against
// max_client_conn 100, and only PgBouncer's 10 server connections against Postgres' 97 slots.
// Counted directly that would be "100 > 97 CANNOT FIT": a false alarm.
ActivitySnapshot slots(int max_connections, int usable) {
  ActivitySnapshot a;
  a.max_connections = max_connections;
  a.superuser_reserved_connections = 3;
  a.usable_slots = usable;
  return a;
}

config::PoolClient client(std::string name, std::string pattern, int instances, int pool_max,
                          bool via_pgbouncer) {
  return {.name = std::move(name),
          .application_name = std::move(pattern),
          .instances = instances,
          .pool_max = pool_max,
          .via_pgbouncer = via_pgbouncer};
}

TEST(PoolBudget, ThroughPgBouncerTwoLinesNoFalseAlarm) {
  const auto a = slots(100, 97);
  config::PoolSection pool;
  pool.clients = {client("web", "web:*", 4, 20, true), client("cron", "cron", 1, 20, true)};
  const auto b = bouncer(0, 0);
  const auto r = evaluate_pool(a, pool, &b);
  EXPECT_TRUE(r.budget.fits);
  EXPECT_TRUE(r.budget.pooler_fits);
  EXPECT_EQ(r.budget.declared, 10);
  EXPECT_EQ(r.budget.pooler_arithmetic,
            "4×20 (web) + 1×20 (cron) = 100 ≤ 100 PgBouncer max_client_conn");
  EXPECT_EQ(r.budget.arithmetic,
            "PgBouncer's server side 1×(10+0) (app) = 10 ≤ 97 usable slots (100 max_connections "
            "− 3 superuser_reserved_connections)");

  // One more web worker overflows PgBouncer's client side, not Postgres.
  pool.clients[0].instances = 5;
  const auto over = evaluate_pool(a, pool, &b);
  EXPECT_FALSE(over.budget.fits);
  EXPECT_FALSE(over.budget.pooler_fits);
  const auto checks = pool_checks(a, over);
  EXPECT_NE(checks[1].message.find("can exhaust PgBouncer"), std::string::npos)
      << checks[1].message;

  // Without the console the server side is unknown: said so, and no alarm raised on a guess.
  pool.clients[0].instances = 4;
  const auto unknown = evaluate_pool(a, pool, nullptr);
  EXPECT_TRUE(unknown.budget.fits);
  EXPECT_NE(unknown.budget.pooler_arithmetic.find("set [pgbouncer]"), std::string::npos);
}

TEST(PoolBudget, DirectAndPooledClientsAddUp) {
  const auto a = slots(23, 20);
  config::PoolSection pool;
  pool.clients = {client("web", "web:*", 4, 20, true), client("cron", "cron", 1, 15, false)};
  const auto b = bouncer(0, 0);
  const auto r = evaluate_pool(a, pool, &b);
  EXPECT_EQ(r.budget.declared, 25);
  EXPECT_FALSE(r.budget.fits);
  EXPECT_TRUE(r.budget.pooler_fits);
  EXPECT_NE(r.budget.arithmetic.find("1×15 (cron) + PgBouncer's server side 1×(10+0) (app) = 25 > "
                                     "20 usable slots"),
            std::string::npos)
      << r.budget.arithmetic;
}

}  // namespace
}  // namespace opsagent::probes
