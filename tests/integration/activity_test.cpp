// Connection and pool tracking against a real Postgres: clients hold connections under
// different application_names and in different states, and the agent's counts, ages and
// breakdowns must be exact.
#include <libpq-fe.h>

#include <gtest/gtest.h>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/run_binary.hpp"

namespace opsagent::testing {
namespace {

// A config whose [pool] section follows [readiness].
std::string config_with_pool(const std::string& pool = kReferencePool) {
  return agent_config("expected_tables = [\"permits\"]\n") + pool;
}

class ActivityTest : public AgentTest {
 protected:
  void make_cluster(const PgCluster::Options& options = {}) {
    cluster_ = std::make_unique<PgCluster>(options);
    cluster_->exec("CREATE TABLE permits (id int); ALTER TABLE permits OWNER TO app;");
  }
  std::unique_ptr<HeldConnection> as_app(const std::string& application_name) {
    return cluster_->connect(cluster_->app_dsn() + "?application_name=" + application_name);
  }
  // Sends a query and leaves it running (the reply is never read).
  static void send_async(HeldConnection& c, const char* sql) {
    ASSERT_EQ(PQsendQuery(c.native(), sql), 1) << PQerrorMessage(c.native());
    ASSERT_EQ(PQflush(c.native()), 0);
  }
  nlohmann::json connections() { return body_json(get("/health"))["connections"]; }

  std::unique_ptr<PgCluster> cluster_;
};

nlohmann::json group(const nlohmann::json& groups, const std::string& name) {
  for (const auto& g : groups) {
    if (g["name"] == name) return g;
  }
  return nlohmann::json::object();
}

TEST_F(ActivityTest, CountsAgesAndBreakdownsAreExact) {
  make_cluster();
  cluster_->exec("GRANT pg_monitor TO app");  // the recommended setup: a full view
  std::vector<std::unique_ptr<HeldConnection>> held;
  held.reserve(4);
  for (int i = 0; i < 3; ++i) held.push_back(as_app("web:1"));  // idle
  held.push_back(as_app("web:2"));
  send_async(*held.back(), "SELECT pg_sleep(60)");  // active
  held.push_back(as_app("web:2"));
  held.back()->exec("BEGIN; SELECT 1");  // idle in transaction
  held.push_back(as_app("locker"));
  held.back()->exec("BEGIN; LOCK TABLE permits IN ACCESS EXCLUSIVE MODE");  // idle in tx
  held.push_back(as_app("cron"));
  send_async(*held.back(), "SELECT count(*) FROM permits");  // active, waiting on the lock
  held.push_back(as_app("broken"));
  held.back()->exec("BEGIN");
  EXPECT_THROW(held.back()->exec("SELECT 1/0"), std::runtime_error);  // idle in tx (aborted)

  // The locked table also blocks the agent's schema check; lock_timeout bounds that.
  start_agent(config_with_pool(), cluster_->app_dsn());
  ASSERT_TRUE(eventually(
      [&] {
        auto c = connections();
        return c.is_object() && c["sessions"]["total"] == 8 &&
               c["sessions"]["waiting_on_locks"] == 1;
      },
      15s))
      << connections().dump(2);
  auto c = connections();
  EXPECT_EQ(c["max_connections"], 20);
  EXPECT_EQ(c["superuser_reserved_connections"], 3);
  EXPECT_TRUE(c["reserved_connections"].is_null()) << "PG 15 has no reserved_connections";
  EXPECT_EQ(c["usable_slots"], 17);
  EXPECT_EQ(c["used"], 8) << "the agent's own session is not counted";
  EXPECT_EQ(c["free"], 17 - 8 - 1);
  const auto& s = c["sessions"];
  EXPECT_EQ(s["active"], 2);
  EXPECT_EQ(s["idle"], 3);
  EXPECT_EQ(s["idle_in_transaction"], 2);
  EXPECT_EQ(s["idle_in_transaction_aborted"], 1);
  EXPECT_EQ(s["waiting_on_locks"], 1);
  EXPECT_GE(s["oldest_xact_s"].get<double>(), 0.0);
  EXPECT_GE(s["longest_query_s"].get<double>(), 0.0);

  const auto web1 = group(c["by_application"], "web:1");
  EXPECT_EQ(web1["total"], 3);
  EXPECT_EQ(web1["idle"], 3);
  const auto web2 = group(c["by_application"], "web:2");
  EXPECT_EQ(web2["total"], 2);
  EXPECT_EQ(web2["active"], 1);
  EXPECT_EQ(web2["idle_in_transaction"], 1);
  EXPECT_EQ(group(c["by_application"], "cron")["waiting_on_locks"], 1);
  EXPECT_EQ(group(c["by_application"], "broken")["idle_in_transaction_aborted"], 1);
  EXPECT_EQ(group(c["by_user"], "app")["total"], 8);
  EXPECT_EQ(group(c["by_database"], "app")["total"], 8);
  EXPECT_EQ(group(c["by_client_addr"], "127.0.0.1")["total"], 8);
  EXPECT_EQ(c["partial_view"], false);

  // Ages grow: the oldest transaction keeps getting older while it stays open.
  const double first_age = s["oldest_xact_s"].get<double>();
  ASSERT_TRUE(eventually(
      [&] { return connections()["sessions"]["oldest_xact_s"].get<double>() > first_age + 1.0; },
      10s));

  auto pool = body_json(get("/health"))["pool"];
  EXPECT_EQ(pool["clients"][0]["name"], "web");
  EXPECT_EQ(pool["clients"][0]["connections"], 5);
  EXPECT_EQ(pool["clients"][1]["connections"], 1);
  EXPECT_EQ(pool["unattributed"], 2);
}

TEST_F(ActivityTest, BudgetOfTheReferenceAppIsFlaggedWithItsArithmetic) {
  make_cluster({.max_connections = 100});
  start_agent(config_with_pool(), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s)) << "a budget that cannot fit warns; it does not block";
  auto health = body_json(get("/health"));
  EXPECT_EQ(health["status"], "warn");
  const auto& budget = health["pool"]["budget"];
  EXPECT_EQ(budget["declared"], 100);
  EXPECT_EQ(budget["usable_slots"], 97);
  EXPECT_EQ(budget["fits"], false);
  EXPECT_EQ(budget["arithmetic"],
            "4×20 (web) + 1×20 (cron) = 100 > 97 usable slots "
            "(100 max_connections − 3 superuser_reserved_connections)");
  EXPECT_EQ(health["checks"]["pool:budget"][0]["status"], "warn");
}

TEST_F(ActivityTest, WorkerAtItsPoolMaxAndThresholdLevels) {
  make_cluster({.max_connections = 13});  // 10 usable
  const std::string pool = R"(
[pool]
warn = "50%"
critical = "-2"
[[pool.clients]]
name = "web"
application_name = "web:*"
instances = 2
pool_max = 3
)";
  start_agent(config_with_pool(pool), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  std::vector<std::unique_ptr<HeldConnection>> held;
  held.reserve(5);
  for (int i = 0; i < 3; ++i) held.push_back(as_app("web:7"));
  for (int i = 0; i < 2; ++i) held.push_back(as_app("web:8"));
  // 5 of 10 used: warn at 50%; web:7 is at its pool_max of 3.
  ASSERT_TRUE(
      eventually([&] { return body_json(get("/health"))["pool"]["level"] == "warn"; }, 10s));
  auto health = body_json(get("/health"));
  EXPECT_EQ(health["checks"]["postgres:connections"][0]["status"], "warn");
  EXPECT_DOUBLE_EQ(health["checks"]["postgres:connections"][0]["observedValue"].get<double>(),
                   50.0);
  EXPECT_EQ(health["checks"]["postgres:connections"][0]["observedUnit"], "%");
  EXPECT_EQ(health["checks"]["pool:clients"][0]["status"], "warn");
  EXPECT_NE(health["checks"]["pool:clients"][0]["output"].get<std::string>().find("web:7 (3/3)"),
            std::string::npos);
  EXPECT_EQ(get("/health").status, 200) << "a pool warning keeps the agent ready";
  // 8 of 10 used, 1 slot left after the agent's own: critical at 2 slots left.
  for (int i = 0; i < 3; ++i) held.push_back(as_app("other"));
  ASSERT_TRUE(
      eventually([&] { return body_json(get("/health"))["pool"]["level"] == "critical"; }, 10s));
  EXPECT_EQ(body_json(get("/health"))["checks"]["postgres:connections"][0]["status"], "fail");
  EXPECT_EQ(get("/health/ready").status, 200);
  held.clear();
  ASSERT_TRUE(eventually([&] { return body_json(get("/health"))["pool"]["level"] == "ok"; }, 10s));
}

TEST_F(ActivityTest, UnprivilegedRoleSaysPartialView) {
  make_cluster();
  auto superuser = cluster_->connect(cluster_->superuser_conninfo());  // hidden from `app`
  start_agent(config_with_pool(), cluster_->app_dsn());
  ASSERT_TRUE(eventually([&] { return connections().is_object(); }, 15s));
  auto c = connections();
  EXPECT_EQ(c["partial_view"], true);
  EXPECT_GE(c["hidden_sessions"].get<int>(), 1);
  EXPECT_NE(body_json(get("/health"))["pool"]["summary"].get<std::string>().find("partial view"),
            std::string::npos);

  cluster_->exec("GRANT pg_monitor TO app");
  ASSERT_TRUE(eventually([&] { return connections()["partial_view"] == false; }, 10s));
  EXPECT_EQ(group(connections()["by_user"], "postgres")["total"], 1);
}

TEST_F(ActivityTest, TokenProtectsDetailsButNotTheHealthcheck) {
  make_cluster();
  const std::string token = "tok-Zq81-dd03-secret";
  std::string config = config_with_pool();
  config.replace(config.find("[agent]\n"), 8, "[agent]\ntoken_env = \"OPSAGENT_TOKEN\"\n");
  start_agent(config, cluster_->app_dsn(), {{"OPSAGENT_TOKEN", token}});
  ASSERT_TRUE(wait_ready(200, 15s));
  const httplib::Headers good{{"Authorization", "Bearer " + token}};
  const httplib::Headers bad{{"Authorization", "Bearer " + token + "x"}};

  // The healthcheck endpoints stay public, with minimal bodies.
  auto ready = body_json(get("/health/ready"));
  EXPECT_EQ(ready["ready"], true);
  EXPECT_FALSE(ready.contains("checks"));
  EXPECT_EQ(get("/health/live").status, 200);
  EXPECT_FALSE(body_json(get("/health")).contains("connections"));
  EXPECT_TRUE(body_json(get("/health", good)).contains("connections"));
  EXPECT_TRUE(body_json(get("/health/ready", good)).contains("checks"));
  // Requests as plain as curl's or a platform healthcheck's (httplib's client above adds
  // Accept-Encoding): the same rules.
  auto plain = [&](const std::string& headers) {
    RawClient c(agent_->port());
    c.send("GET /health/ready HTTP/1.1\r\nHost: t\r\n" + headers + "Connection: close\r\n\r\n");
    c.wait_closed(3s);
    return c.received();
  };
  const std::string anonymous_plain = plain("");
  EXPECT_NE(anonymous_plain.find("HTTP/1.1 200 OK"), std::string::npos) << anonymous_plain;
  EXPECT_EQ(anonymous_plain.find("checks"), std::string::npos) << anonymous_plain;
  EXPECT_NE(plain("Authorization: Bearer " + token + "\r\n").find("\"checks\""), std::string::npos);
  EXPECT_EQ(plain("Authorization: Bearer " + token + "x\r\n").find("checks"), std::string::npos);
  // No answer is a stale copy of an earlier one: the snapshot's age moves on between requests.
  auto age_ms = [&] {
    const std::string reply = plain("Authorization: Bearer " + token + "\r\n");
    const auto body =
        nlohmann::json::parse(reply.substr(reply.find("\r\n\r\n") + 4), nullptr, false);
    return body.is_object() ? body.value("snapshot_age_ms", -1) : -1;
  };
  // The age of one snapshot as the plain path shows it: only when the latest snapshot was the
  // same before and after the request, so both ages compared below belong to one snapshot.
  struct AgeOfSnapshot {
    int sequence = -1;
    int age_ms = -1;
  };
  auto sequence = [&] {  // /health shows it only with the token
    const auto s = body_json(get("/health", good))["snapshot"]["sequence"];
    return s.is_number() ? s.get<int>() : -1;
  };
  auto age_of_snapshot = [&] {
    const int before = sequence();
    const int age = age_ms();
    return sequence() == before ? AgeOfSnapshot{before, age} : AgeOfSnapshot{};
  };
  AgeOfSnapshot first;
  AgeOfSnapshot later;
  // Awaited: a later answer about the same snapshot shows it older. A body reused while the age
  // moved on would show the same age until the next snapshot, and never pass.
  EXPECT_TRUE(eventually(
      [&] {
        later = age_of_snapshot();
        if (later.sequence < 0 || later.age_ms < 0) return false;
        if (later.sequence != first.sequence) {
          first = later;  // a new snapshot (interval 1 s): start over from it
          return false;
        }
        return later.age_ms > first.age_ms;
      },
      10s))
      << "first " << first.sequence << "/" << first.age_ms << "ms, later " << later.sequence << "/"
      << later.age_ms << "ms";

  for (const char* path : {"/status", "/metrics"}) {
    auto anonymous = get(path);
    EXPECT_EQ(anonymous.status, 401) << path;
    EXPECT_EQ(anonymous.header("WWW-Authenticate"), "Bearer realm=\"opsagent\"");
    EXPECT_EQ(get(path, bad).status, 401) << path;
    EXPECT_EQ(get(path, good).status, 200) << path;
  }
  EXPECT_EQ(agent_->log().find(token), std::string::npos) << "the token reached the log";

  // `opsagent status` finds the agent through the same config and token variable.
  const std::map<std::string, std::string> env{{"PORT", std::to_string(agent_->port())}};
  auto denied = run_agent_cli({"status", "--config", agent_->config_path()}, env);
  EXPECT_EQ(denied.exit_code, 2);
  EXPECT_NE(denied.err.find("HTTP 401"), std::string::npos) << denied.err;
  auto with_token = env;
  with_token["OPSAGENT_TOKEN"] = token;
  auto shown = run_agent_cli({"status", "--config", agent_->config_path()}, with_token);
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("READY"), std::string::npos) << shown.out;
}

TEST_F(ActivityTest, WithoutATokenEverythingIsPublic) {
  make_cluster();
  start_agent(config_with_pool(), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  EXPECT_EQ(get("/status").status, 200);
  EXPECT_EQ(get("/metrics").status, 200);
  EXPECT_TRUE(body_json(get("/health")).contains("connections"));
  EXPECT_TRUE(body_json(get("/health/ready")).contains("checks"));
  auto shown = run_agent_cli(
      {"status", "--url", "http://127.0.0.1:" + std::to_string(agent_->port()) + "/"});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("READY"), std::string::npos) << shown.out;
  auto nobody = run_agent_cli({"status", "--url", "http://127.0.0.1:1"});
  EXPECT_EQ(nobody.exit_code, 2);
  EXPECT_NE(nobody.err.find("no answer from http://127.0.0.1:1"), std::string::npos) << nobody.err;
}

TEST_F(ActivityTest, TokenVariableUnsetRefusesToStart) {
  make_cluster();
  std::string config = config_with_pool();
  config.replace(config.find("[agent]\n"), 8, "[agent]\ntoken_env = \"OPSAGENT_TOKEN\"\n");
  start_agent(config, cluster_->app_dsn(), {{"OPSAGENT_TOKEN", ""}});
  auto code = agent_->wait_exit(10s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 3);
  EXPECT_NE(agent_->log().find("agent.token_env names the environment variable OPSAGENT_TOKEN"),
            std::string::npos);
}

}  // namespace
}  // namespace opsagent::testing
