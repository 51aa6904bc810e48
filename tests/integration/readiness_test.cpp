// Readiness against a real Postgres: tables and markers appear and disappear, the answer
// follows within one interval, and it works the way a platform healthcheck calls it.
#include <gtest/gtest.h>

#include "tests/integration/agent_fixture.hpp"

namespace opsagent::testing {
namespace {

constexpr const char* kTables = R"(expected_tables = ["permits", "public.contacts"]
)";

class ReadinessTest : public AgentTest {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<PgCluster>();
    cluster_->exec(
        "CREATE TABLE permits (id int); CREATE TABLE contacts (id int, email text);"
        "ALTER TABLE permits OWNER TO app; ALTER TABLE contacts OWNER TO app;");
  }
  std::unique_ptr<PgCluster> cluster_;
};

TEST_F(ReadinessTest, TableDroppedTurnsNotReadyNamingItThenRecovers) {
  start_agent(agent_config(kTables), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  auto ready = get("/health/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(body_json(ready)["checks"]["schema:tables"]["status"], "pass");

  cluster_->exec("DROP TABLE permits");
  const auto dropped = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_ready(503, 5s));
  // One interval (200ms) plus a cycle; generous for a loaded machine.
  EXPECT_LT(std::chrono::steady_clock::now() - dropped, 2s);
  auto body = body_json(get("/health/ready"));
  EXPECT_EQ(body["status"], "fail");
  EXPECT_EQ(body["checks"]["schema:tables"]["missing"], nlohmann::json({"permits"}));
  EXPECT_NE(body["reason"].get<std::string>().find("permits"), std::string::npos);
  EXPECT_TRUE(agent_->wait_for_log("NOT READY: schema:tables: missing tables: permits", 2s));

  cluster_->exec("CREATE TABLE permits (id int)");
  ASSERT_TRUE(wait_ready(200, 5s));
  EXPECT_TRUE(agent_->wait_for_log("readiness: READY", 2s));
}

TEST_F(ReadinessTest, AnswersLikeAPlatformHealthcheckExpects) {
  start_agent(agent_config(kTables), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  auto railway = get("/health/ready", {{"Host", "healthcheck.railway.app"}});
  EXPECT_EQ(railway.status, 200);
  EXPECT_EQ(railway.header("Cache-Control"), "no-store");
  EXPECT_EQ(railway.header("Content-Type"), "application/json");
  auto head = get("/health/ready", {}, "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(get("/health/live").status, 200);

  auto health = body_json(get("/health"));
  EXPECT_EQ(health["status"], "pass");
  EXPECT_EQ(health["postgres_version"].get<std::string>().substr(0, 3), "15.");
  EXPECT_EQ(health["checks"]["postgres:connection"][0]["observedUnit"], "ms");

  EXPECT_EQ(get("/nope").status, 404);
  EXPECT_EQ(get("/health/ready", {}, "POST").status, 405);
  EXPECT_EQ(get("/health/ready", {}, "DELETE").status, 405);
  EXPECT_EQ(get("/" + std::string(5000, 'a')).status, 414);
  EXPECT_EQ(get("/health/ready").status, 200) << "still serving after bad requests";
}

TEST_F(ReadinessTest, OnePersistentLabelledConnection) {
  start_agent(agent_config(kTables), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  const std::string kAgentPid =
      "SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE application_name = 'opsagent'";
  const auto pid = cluster_->query_value(kAgentPid);
  EXPECT_EQ(pid.find(','), std::string::npos) << "more than one agent session: " << pid;
  ASSERT_TRUE(wait_for_cycles(3, 5s));
  EXPECT_EQ(cluster_->query_value(kAgentPid), pid) << "the agent reconnected between cycles";
}

constexpr const char* kMarkers = R"(expected_tables = ["permits"]
[[readiness.migrations]]
name = "audit table"
table = "audit_log"
[[readiness.migrations]]
name = "contacts.verified"
table = "contacts"
column = "email_verified"
[[readiness.migrations]]
name = "alembic head"
query = "SELECT version_num = 'abc123' FROM alembic_version"
)";

TEST_F(ReadinessTest, MarkersOfEachKindMissingThenPresent) {
  start_agent(agent_config(kMarkers), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(503, 15s));
  ASSERT_TRUE(wait_for_check("schema:migrations", 10s));
  auto body = body_json(get("/health/ready"));
  EXPECT_EQ(body["checks"]["schema:tables"]["status"], "pass");
  EXPECT_EQ(body["checks"]["schema:migrations"]["missing"],
            nlohmann::json({"audit table", "contacts.verified", "alembic head"}));

  cluster_->exec("CREATE TABLE audit_log (id int); ALTER TABLE contacts ADD email_verified bool;");
  ASSERT_TRUE(eventually(
      [&] {
        auto b = body_json(get("/health/ready"));
        return b["checks"]["schema:migrations"]["missing"] == nlohmann::json({"alembic head"});
      },
      5s));
  // The query marker runs: the table exists but holds the wrong revision.
  cluster_->exec(
      "CREATE TABLE alembic_version (version_num text); "
      "INSERT INTO alembic_version VALUES ('0000');"
      "GRANT SELECT ON alembic_version TO app;");
  ASSERT_TRUE(eventually(
      [&] {
        auto h = body_json(get("/health"));
        auto out = h["checks"]["schema:migrations"][0]["output"];
        return out.is_string() &&
               out.get<std::string>().find("returned false") != std::string::npos;
      },
      5s));
  cluster_->exec("UPDATE alembic_version SET version_num = 'abc123'");
  ASSERT_TRUE(wait_ready(200, 5s));
  EXPECT_EQ(body_json(get("/health/ready"))["checks"]["schema:migrations"]["status"], "pass");
}

TEST_F(ReadinessTest, MarkerQueryThatWritesIsRefused) {
  cluster_->exec("CREATE TABLE audit (id int); ALTER TABLE audit OWNER TO app;");
  const std::string markers = std::string(kTables) + R"([[readiness.migrations]]
name = "sneaky write"
query = "WITH w AS (INSERT INTO audit VALUES (1) RETURNING 1) SELECT true FROM w"
[[readiness.migrations]]
name = "read-write again"
query = "SELECT pg_catalog.set_config('default_transaction_read_only', 'off', false) = 'off'"
[[readiness.migrations]]
name = "sequence bump"
query = "SELECT nextval('s') > 0"
)";
  cluster_->exec("CREATE SEQUENCE s; ALTER SEQUENCE s OWNER TO app;");
  start_agent(agent_config(markers), cluster_->app_dsn());
  ASSERT_TRUE(wait_for_check("schema:migrations", 15s));
  auto health = body_json(get("/health"));
  const auto& m = health["checks"]["schema:migrations"][0];
  EXPECT_EQ(m["status"], "fail");
  EXPECT_EQ(m["errorClass"], "read_only_violation");
  // The set_config marker itself passes; it cannot make the next markers writable.
  EXPECT_EQ(m["missing"], nlohmann::json({"sneaky write", "sequence bump"}));
  EXPECT_NE(m["output"].get<std::string>().find("tried to write"), std::string::npos);
  EXPECT_EQ(get("/health/ready").status, 503);
  // Nothing was written, cycle after cycle.
  ASSERT_TRUE(wait_for_cycles(2, 5s));
  EXPECT_EQ(cluster_->query_value("SELECT count(*) FROM audit"), "0");
  EXPECT_EQ(cluster_->query_value("SELECT last_value FROM s"), "1");
  EXPECT_EQ(cluster_->query_value("SELECT is_called FROM s"), "f");
}

}  // namespace
}  // namespace opsagent::testing
