// What a probe cycle sends, read from the server log (log_statement = 'all'): on a direct
// connection a steady cycle is exactly the 2 prepared statements (schema, activity pulse), the
// full activity read only when the pulse moved, the settings made once per connection; query
// markers run at readiness.marker_interval; behind PgBouncer no named prepared statement and no
// session-level setting is ever sent.
#include <gtest/gtest.h>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/pgbouncer.hpp"

namespace opsagent::testing {
namespace {

// Every server log entry carries the session's application_name first.
PgCluster::Options logging_cluster() {
  PgCluster::Options options;
  options.extra_conf = {"log_statement = 'all'", "log_line_prefix = '[%a] '"};
  return options;
}

// The statements the agent's persistent session sent, in order: the text of each "execute ...:"
// or "statement: ..." entry of application opsagent, continuation lines included.
std::vector<std::string> agent_statements(const std::string& log) {
  std::vector<std::string> out;
  bool inside = false;
  std::size_t at = 0;
  while (at < log.size()) {
    auto end = log.find('\n', at);
    if (end == std::string::npos) end = log.size();
    const std::string line = log.substr(at, end - at);
    at = end + 1;
    if (line.starts_with("[")) {
      inside = line.starts_with("[opsagent] LOG:  execute ") ||
               line.starts_with("[opsagent] LOG:  statement: ");
      if (inside) out.push_back(line.substr(std::string("[opsagent] LOG:  ").size()));
    } else if (inside) {
      out.back() += "\n" + line;
    }
  }
  return out;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Every statement in full, for counting.
std::string whole(const std::vector<std::string>& statements) {
  std::string out;
  for (const auto& s : statements) out += s + "\n";
  return out;
}

// The start of each statement, for failure messages.
std::string joined(const std::vector<std::string>& statements) {
  std::string out;
  for (const auto& s : statements) out += s.substr(0, 160) + "\n---\n";
  return out;
}

constexpr const char* kMarker = R"(
[[readiness.migrations]]
name = "marker"
query = "SELECT count(*) >= 0 FROM pg_catalog.pg_class /* the-marker */"
)";

class StatementsTest : public AgentTest {
 protected:
  void SetUp() override { cluster_ = std::make_unique<PgCluster>(logging_cluster()); }
  // An agent with a fresh connection every second (every fifth cycle), ready.
  void start_ready_agent() {
    AgentTimings timings;
    timings.fresh_connect_interval = "1s";
    start_agent(agent_config("expected_tables = [\"pg_catalog.pg_class\"]\n", timings),
                cluster_->app_dsn());
    ASSERT_TRUE(wait_ready(200, 15s)) << agent_->log();
  }
  std::unique_ptr<PgCluster> cluster_;
};

// Direct connection: the set-up (pooler detection, session settings) once, then each cycle the
// two prepared statements and nothing else: no set_config, no BEGIN or ROLLBACK. The agent's own
// fresh connection (every second here, every fifth cycle) is a login, but not a reason to read
// every session again.
TEST_F(StatementsTest, ASteadyCycleIsTwoPreparedStatementsOnADirectConnection) {
  ASSERT_NO_FATAL_FAILURE(start_ready_agent());
  ASSERT_TRUE(wait_for_cycles(25, 30s));
  EXPECT_EQ(body_json(get("/health"))["via_pooler"], false);

  const auto statements = agent_statements(cluster_->server_log());
  ASSERT_GE(statements.size(), 2U + 2U * 8U) << joined(statements);
  // The set-up: the detection segment (transaction-scoped), then the session settings.
  EXPECT_NE(statements[0].find("set_config('statement_timeout', $1, true)"), std::string::npos)
      << statements[0];
  EXPECT_NE(statements[0].find("pg_backend_pid()"), std::string::npos) << statements[0];
  EXPECT_NE(statements[1].find("set_config('default_transaction_read_only', 'on', false)"),
            std::string::npos)
      << statements[1];
  EXPECT_NE(statements[1].find("set_config('plan_cache_mode', 'force_generic_plan', false)"),
            std::string::npos)
      << statements[1];
  // Then cycles: the schema and the activity pulse (opsagent_2; opsagent_4 when it also looks at
  // the backend status array, every few seconds), prepared, in that order; the full activity
  // read (the aggregate and the status pulse, prepared too) follows only when the pulse moved:
  // the first cycle, and a cycle where a session came or went (an autovacuum worker may).
  std::size_t steady = 0;
  std::size_t full_reads = 0;
  std::size_t i = 2;
  while (i + 1 < statements.size()) {
    EXPECT_TRUE(statements[i].starts_with("execute opsagent_1: ")) << statements[i].substr(0, 200);
    EXPECT_TRUE(statements[i + 1].starts_with("execute opsagent_2: ") ||
                statements[i + 1].starts_with("execute opsagent_4: "))
        << statements[i + 1].substr(0, 200);
    i += 2;
    if (i + 1 < statements.size() && statements[i].starts_with("execute opsagent_3: ")) {
      EXPECT_TRUE(statements[i + 1].starts_with("execute opsagent_4: ")) << statements[i + 1];
      ++full_reads;
      i += 2;
    } else {
      ++steady;
    }
  }
  for (std::size_t j = 2; j < statements.size(); ++j) {
    const auto& s = statements[j];
    EXPECT_EQ(s.find("set_config"), std::string::npos) << s.substr(0, 200);
    EXPECT_EQ(s.find("BEGIN"), std::string::npos) << s.substr(0, 200);
    EXPECT_EQ(s.find("ROLLBACK"), std::string::npos) << s.substr(0, 200);
  }
  EXPECT_GE(full_reads, 1U);
  // The first cycle's, and perhaps an autovacuum worker's; not one per fresh connection.
  EXPECT_LE(full_reads, 3U) << steady << " steady cycles in " << joined(statements);
  EXPECT_GE(steady, 20U) << full_reads << " full reads in " << joined(statements);
  EXPECT_NE(statements[2].find("pg_catalog.pg_class c"), std::string::npos) << statements[2];
  EXPECT_NE(statements[3].find("pg_stat_get_db_sessions"), std::string::npos) << statements[3];
  EXPECT_EQ(statements[3].find("pg_stat_get_backend_idset"), std::string::npos) << statements[3];
  EXPECT_NE(statements[4].find("pg_stat_get_activity(NULL) a"), std::string::npos) << statements[4];
  EXPECT_NE(statements[5].find("pg_stat_get_backend_idset()"), std::string::npos) << statements[5];
}

// Between full reads the last one stands, and says how old it is; a session that arrives, or an
// idle one that begins a transaction, moves the pulse and is in the next figures, and so is one
// that ends. The agent's own fresh connection (every second here) is a login it leaves out.
TEST_F(StatementsTest, TheFullReadFollowsWhenSessionsComeBeginATransactionOrGo) {
  ASSERT_NO_FATAL_FAILURE(start_ready_agent());
  auto sessions = [&] { return body_json(get("/health"))["connections"]["sessions"]; };
  auto stood = [&] {
    return health_check("postgres:connections")
               .value("output", std::string{})
               .find("sessions as read") != std::string::npos;
  };
  ASSERT_TRUE(eventually(stood, 15s)) << get("/health").body;
  const int before = sessions()["total"].get<int>();

  auto held = cluster_->connect(cluster_->app_dsn() + "?application_name=web:late");
  ASSERT_TRUE(eventually([&] { return sessions()["total"] == before + 1; }, 10s))
      << get("/health").body;
  ASSERT_TRUE(eventually(stood, 15s)) << get("/health").body;
  held->exec("BEGIN; SELECT 1");
  ASSERT_TRUE(eventually([&] { return sessions()["idle_in_transaction"] == 1; }, 10s))
      << get("/health").body;
  held->exec("COMMIT");
  ASSERT_TRUE(eventually([&] { return sessions()["idle_in_transaction"] == 0; }, 10s))
      << get("/health").body;
  ASSERT_TRUE(eventually(stood, 15s)) << get("/health").body;
  held.reset();
  EXPECT_TRUE(eventually([&] { return sessions()["total"] == before; }, 15s))
      << get("/health").body;
}

// A connection that is re-opened starts with nothing prepared: the agent sets the session up and
// prepares again, and stays ready.
TEST_F(StatementsTest, AReopenedConnectionIsSetUpAndPreparedAgain) {
  start_agent(agent_config("expected_tables = [\"pg_catalog.pg_class\"]\n"), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s)) << agent_->log();
  ASSERT_TRUE(wait_for_cycles(3, 10s));
  cluster_->exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
      "'opsagent'");
  ASSERT_TRUE(eventually(
      [&] {
        return count(whole(agent_statements(cluster_->server_log())),
                     "set_config('default_transaction_read_only', 'on', false)") == 2;
      },
      15s))
      << joined(agent_statements(cluster_->server_log()));
  ASSERT_TRUE(wait_for_cycles(3, 10s));
  EXPECT_TRUE(wait_ready(200, 10s));
  const auto statements = agent_statements(cluster_->server_log());
  // The pooler detection is repeated on the new connection (the name may now lead to a
  // pooler), and so are the session settings.
  EXPECT_EQ(count(whole(statements), "set_config('statement_timeout', $1, true)"), 2U)
      << joined(statements);
  EXPECT_NE(statements.back().find("execute opsagent_"), std::string::npos)
      << statements.back().substr(0, 200);
}

// Query markers are the user's SQL: at readiness.marker_interval, not every cycle (the first
// cycle runs them), while readiness keeps their verdict.
TEST_F(StatementsTest, QueryMarkersRunAtTheirOwnInterval) {
  start_agent(agent_config("marker_interval = \"1h\"\n" + std::string(kMarker)),
              cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s)) << agent_->log();
  ASSERT_TRUE(wait_for_cycles(8, 20s));
  EXPECT_EQ(health_check("schema:migrations")["status"], "pass") << get("/health").body;
  const auto statements = agent_statements(cluster_->server_log());
  EXPECT_EQ(count(whole(statements), "the-marker"), 1U) << joined(statements);
  // Its segment still ends with ROLLBACK, so nothing it does outlives it.
  EXPECT_EQ(count(whole(statements), "ROLLBACK"), 1U) << joined(statements);
}

// The agent's own session plans its statements generically; the user's SQL (a query marker
// here) runs with the server's plan_cache_mode, as the app's would.
TEST_F(StatementsTest, TheUsersSqlSeesTheServersPlanCacheMode) {
  start_agent(agent_config("[[readiness.migrations]]\nname = \"planned as the app's\"\n"
                           "query = \"SELECT pg_catalog.current_setting('plan_cache_mode') = "
                           "'auto'\"\n"),
              cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s)) << agent_->log();
  EXPECT_EQ(health_check("schema:migrations")["status"], "pass") << get("/health").body;
  EXPECT_EQ(body_json(get("/health"))["via_pooler"], false);
}

// [[queries]] (and [[jobs]], the same scheduler) run at their own interval: the first cycle reads
// them, then not again within the hour, while their check stands.
TEST_F(StatementsTest, CustomQueriesRunAtTheirOwnInterval) {
  start_agent(agent_config("expected_tables = [\"pg_catalog.pg_class\"]\n", {},
                           "[[queries]]\nname = \"hourly\"\n"
                           "sql = \"SELECT 1 AS one /* the-query */\"\ninterval = \"1h\"\n"),
              cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s)) << agent_->log();
  ASSERT_TRUE(wait_for_cycles(8, 20s));
  EXPECT_EQ(health_check("query:hourly")["status"], "pass") << get("/health").body;
  const auto statements = agent_statements(cluster_->server_log());
  EXPECT_EQ(count(whole(statements), "the-query"), 1U) << joined(statements);
}

// Behind PgBouncer (transaction pooling) nothing may outlive a transaction: unnamed statements
// only, and the settings only transaction-scoped, every segment.
TEST(StatementsThroughPooler, NoPreparedStatementAndNoSessionSettingBehindPgBouncer) {
  PgCluster cluster(logging_cluster());
  PgBouncer bouncer(cluster, {.pool_mode = "transaction", .default_pool_size = 3});
  AgentProcess agent({agent_config("expected_tables = [\"pg_catalog.pg_class\"]\n"
                                   "marker_interval = \"0s\"\n" +
                                   std::string(kMarker)),
                      {{"DATABASE_URL", bouncer.app_dsn()}}});
  ASSERT_TRUE(eventually([&] { return agent.get("/health/ready").status == 200; }, 15s))
      << agent.log();
  ASSERT_TRUE(eventually(
      [&] {
        return count(cluster.server_log(), "set_config('statement_timeout', $1, true)") >= 20;
      },
      20s))
      << cluster.server_log();
  EXPECT_EQ(body_json(agent.get("/health"))["via_pooler"], true);
  const std::string log = cluster.server_log();
  EXPECT_EQ(count(log, "execute opsagent_"), 0U);
  EXPECT_EQ(count(log, "', false)"), 0U);
  EXPECT_EQ(count(log, "force_generic_plan"), 0U);
  // marker_interval = "0s": the marker every cycle, in its own rolled-back segment.
  EXPECT_GE(count(log, "the-marker"), 5U);
}

}  // namespace
}  // namespace opsagent::testing