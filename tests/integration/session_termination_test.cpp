// The guarded termination of idle in transaction sessions (pool.terminate_idle_in_transaction,
// issue 17 part 4) against a real Postgres. The agent connects as its own role `opsagent`
// (pg_monitor + pg_signal_backend); the app's role is `app`; another role `other` uses the same
// application_name. In dry_run nothing is terminated and the candidate is reported; "on"
// terminates only the app role's old declared-client session (the other role's, a young one, an
// undeclared name, a name a client through PgBouncer matches and the agent's own survive); below
// pool.warn no termination statement is sent.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/agent_fixture.hpp"

namespace opsagent::testing {
namespace {

constexpr const char* kMarker = "pg_catalog.pg_terminate_backend(v.pid)";

class SessionTerminationTest : public AgentTest {
 protected:
  void SetUp() override {
    PgCluster::Options options;
    options.max_connections = 20;
    options.extra_conf = {"log_statement = 'all'"};
    cluster_ = std::make_unique<PgCluster>(options);
    cluster_->exec(
        "CREATE ROLE opsagent LOGIN; GRANT pg_monitor, pg_signal_backend TO opsagent;"
        "CREATE ROLE other LOGIN;");
  }

  // A role's session over the unix socket (trusted there).
  std::string socket_dsn(const std::string& role, const std::string& app = "") const {
    std::string dsn = cluster_->superuser_conninfo();
    dsn.replace(dsn.find("user=postgres"), 13, "user=" + role);
    return app.empty() ? dsn : dsn + " application_name=" + app;
  }

  // A session left idle in a transaction; its backend pid.
  std::unique_ptr<HeldConnection> idle_in_transaction(const std::string& role,
                                                      const std::string& app) {
    auto c = cluster_->connect(socket_dsn(role, app));
    c->exec("BEGIN; SELECT 1");
    return c;
  }

  bool backend_alive(int pid) const {
    return cluster_->query_value("SELECT count(*) FROM pg_stat_activity WHERE pid = " +
                                 std::to_string(pid)) == "1";
  }

  // How long the session has been idle in its transaction, as the server says.
  double idle_for(int pid) const {
    return std::stod(cluster_->query_value(
        "SELECT coalesce(extract(epoch FROM now() - state_change), 0) FROM pg_stat_activity "
        "WHERE pid = " +
        std::to_string(pid)));
  }

  std::size_t termination_statements() const {
    const std::string log = cluster_->server_log();
    std::size_t n = 0;
    for (auto at = log.find(kMarker); at != std::string::npos; at = log.find(kMarker, at + 1)) {
      ++n;
    }
    return n;
  }

  std::string config(const std::string& mode, const std::string& warn) const {
    return agent_config("", {}) + "[pool]\nwarn = " + warn +
           "\ncritical = 19\nidle_in_transaction_warn = \"1s\"\n"
           "terminate_idle_in_transaction = \"" +
           mode +
           "\"\nterminate_after = \"10s\"\nterminate_role = \"app\"\n"
           "[[pool.clients]]\nname = \"web\"\napplication_name = \"web:*\"\ninstances = 4\n"
           "pool_max = 20\n"
           // Overlaps web's glob: its sessions may be PgBouncer's, never terminated.
           "[[pool.clients]]\nname = \"web-pgb\"\napplication_name = \"web:pgb*\"\n"
           "pool_max = 5\nvia_pgbouncer = true\n";
  }

  nlohmann::json terminations() {
    return body_json(get("/health")).value("terminations", nlohmann::json{});
  }

  std::unique_ptr<PgCluster> cluster_;
};

TEST_F(SessionTerminationTest, DryRunReportsThenOnTerminatesOnlyTheAppRolesOldSession) {
  auto victim = idle_in_transaction("app", "web:1");
  auto other_role = idle_in_transaction("other", "web:2");
  auto undeclared = idle_in_transaction("app", "psql");
  auto pooled_name = idle_in_transaction("app", "web:pgb1");
  const int victim_pid = victim->backend_pid();
  ASSERT_TRUE(eventually([&] { return idle_for(victim_pid) > 10.5; }, 20s));

  // dry_run: 4 sessions put the pool at warn (3); the one candidate is reported.
  start_agent(config("dry_run", "3"), socket_dsn("opsagent"));
  ASSERT_TRUE(wait_ready(200, 15s)) << agent_->log();
  ASSERT_TRUE(
      eventually([&] { return health_check("pool:terminations")["status"] == "warn"; }, 10s))
      << body_json(get("/health")).dump();
  const auto t = terminations();
  EXPECT_EQ(t["mode"], "dry_run");
  ASSERT_EQ(t["recent"].size(), 1u) << t.dump();
  EXPECT_EQ(t["recent"][0]["pid"], victim_pid);
  EXPECT_EQ(t["recent"][0]["application_name"], "web:1");
  EXPECT_EQ(t["recent"][0]["role"], "app");
  EXPECT_EQ(t["recent"][0]["client"], "web");
  EXPECT_EQ(t["recent"][0]["terminated"], false);
  EXPECT_GE(t["recent"][0]["idle_in_transaction_s"].get<double>(), 10.0);
  ASSERT_TRUE(wait_for_cycles(3, 10s));
  EXPECT_GE(termination_statements(), 2u) << "sent in each cycle with a candidate";
  EXPECT_EQ(terminations()["recent"].size(), 1u) << "one record per idle-in-transaction episode";
  for (const auto& h : {victim.get(), other_role.get(), undeclared.get(), pooled_name.get()}) {
    EXPECT_TRUE(backend_alive(h->backend_pid())) << "dry_run terminates nothing";
  }
  EXPECT_NE(agent_->log().find("would terminate session pid " + std::to_string(victim_pid)),
            std::string::npos)
      << agent_->log();
  EXPECT_NE(get("/status").body.find("WOULD TERMINATE web:1 (web, role app, pid " +
                                     std::to_string(victim_pid) + ")"),
            std::string::npos)
      << get("/status").body;
  const auto metrics = get("/metrics").body;
  EXPECT_NE(metrics.find("opsagent_sessions_terminated_total{client=\"web\",mode=\"dry_run\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(get("/health/ready").status, 200) << "terminations never gate readiness";
  agent_.reset();

  // on: a young session of the app role joins (5 sessions, warn at 4); only the old one goes.
  auto young = idle_in_transaction("app", "web:3");
  start_agent(config("on", "4"), socket_dsn("opsagent"));
  ASSERT_TRUE(eventually([&] { return !backend_alive(victim_pid); }, 15s))
      << agent_->log() << cluster_->server_log();
  EXPECT_LT(idle_for(young->backend_pid()), 10.0) << "the young session must not be old yet";
  for (const auto& h : {other_role.get(), undeclared.get(), young.get(), pooled_name.get()}) {
    EXPECT_TRUE(backend_alive(h->backend_pid()));
  }
  ASSERT_TRUE(
      eventually([&] { return health_check("pool:terminations")["status"] == "warn"; }, 10s));
  const auto on = terminations();
  ASSERT_EQ(on["recent"].size(), 1u) << on.dump();
  EXPECT_EQ(on["recent"][0]["pid"], victim_pid);
  EXPECT_EQ(on["recent"][0]["terminated"], true);
  EXPECT_EQ(on["mode"], "on");
  EXPECT_NE(agent_->log().find("terminated session pid " + std::to_string(victim_pid)),
            std::string::npos);
  EXPECT_NE(
      get("/metrics").body.find("opsagent_sessions_terminated_total{client=\"web\",mode=\"on\"} 1"),
      std::string::npos);
  // The agent's own session lives on, and it is still ready.
  EXPECT_EQ(
      cluster_->query_value("SELECT count(*) FROM pg_stat_activity WHERE usename = 'opsagent'"),
      "1");
  EXPECT_EQ(get("/health/ready").status, 200);
  EXPECT_EQ(health_check("postgres:connection")["status"], "pass");
}

TEST_F(SessionTerminationTest, BelowWarnNothingIsSent) {
  auto old = idle_in_transaction("app", "web:1");
  const int pid = old->backend_pid();
  ASSERT_TRUE(eventually([&] { return idle_for(pid) > 10.5; }, 20s));
  start_agent(config("on", "5"), socket_dsn("opsagent"));
  ASSERT_TRUE(wait_ready(200, 15s)) << agent_->log();
  ASSERT_TRUE(eventually(
      [&] { return health_check("pool:idle_in_transaction")["status"] == "warn"; }, 10s));
  ASSERT_TRUE(wait_for_cycles(5, 10s));
  EXPECT_TRUE(backend_alive(pid));
  EXPECT_EQ(termination_statements(), 0u) << "a cycle below warn sends no termination statement";
  const auto c = health_check("pool:terminations");
  EXPECT_EQ(c["status"], "pass") << c.dump();
  EXPECT_NE(c.dump().find("terminate_idle_in_transaction = \\\"on\\\""), std::string::npos)
      << c.dump();
}

}  // namespace
}  // namespace opsagent::testing
