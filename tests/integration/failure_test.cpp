// The database misbehaves; the agent must say so within its deadline and keep answering
// /health/ready throughout, never waiting for the probe.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/run_binary.hpp"
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

  // Polls /health/ready until `status`. Returns the time it took, or nullopt on timeout.
  std::optional<std::chrono::milliseconds> time_until_status(int status,
                                                             std::chrono::milliseconds timeout) {
    const auto start = std::chrono::steady_clock::now();
    std::optional<std::chrono::milliseconds> took;
    eventually(
        [&] {
          if (get("/health/ready").status != status) return false;
          took = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - start);
          return true;
        },
        timeout, 25ms);
    return took;
  }

  // True once /health/ready has answered, again and again, while a probe cycle was in flight:
  // proof that it answers from the latest snapshot and never waits for the probe. The answers
  // come back to back for longer than the loop pauses between cycles (`interval`), and the
  // latest snapshot is the same before and after them, so no cycle ended meanwhile and one was
  // running during some of them; a handler that waited for it would have returned only once it
  // published, and the sequence would have moved on. Meant for a database that holds every
  // cycle (frozen, silent). No bound on any answer's time: load only makes this take longer.
  bool answers_while_a_cycle_is_in_flight(std::chrono::milliseconds interval) {
    return eventually(
        [&] {
          const int before = snapshot_sequence();
          const auto start = std::chrono::steady_clock::now();
          while (std::chrono::steady_clock::now() - start <= interval) {
            if (get("/health/ready").status == 0) return false;  // no answer at all
          }
          return before >= 1 && snapshot_sequence() == before;
        },
        15s);
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
  ASSERT_TRUE(time_until_status(200, 15s));
}

TEST_F(FailureTest, PostgresStoppedMidRun) {
  make_cluster();
  start_agent(agent_config(kTables), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  cluster_->stop();
  // Within the statement timeout (1s) + interval (200ms), plus slack for a loaded machine.
  auto took = time_until_status(503, 10s);
  ASSERT_TRUE(took);
  EXPECT_LT(*took, 3s);
  EXPECT_EQ(get("/health/live").status, 200);
  cluster_->start();
  ASSERT_TRUE(time_until_status(200, 15s));
}

TEST_F(FailureTest, PostgresFrozenWithSigstop) {
  make_cluster();
  start_agent(agent_config(kTables), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  cluster_->freeze();
  // The server never answers: only the client-side deadline (statement_timeout 1s + 1s grace)
  // ends the cycle. Plus one interval, plus slack.
  auto took = time_until_status(503, 15s);
  ASSERT_TRUE(took);
  EXPECT_LT(*took, 5s);
  EXPECT_EQ(error_of("postgres:connection"), "timeout");
  // Stays not ready while frozen (reconnects time out too), answering all the while.
  EXPECT_TRUE(answers_while_a_cycle_is_in_flight(200ms));
  EXPECT_FALSE(time_until_status(200, 3s));
  EXPECT_EQ(get("/health/live").status, 200);
  cluster_->thaw();
  ASSERT_TRUE(time_until_status(200, 15s));
}

// An app whose health endpoint answers 200, but only after `delay`: a slow, healthy app.
class SlowApp {
 public:
  explicit SlowApp(std::chrono::milliseconds delay) {
    server_.Get("/healthz", [delay](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(delay);  // the fault being injected, not synchronisation
      res.set_content("ok", "text/plain");
    });
    // Bound and listening from here: connections wait in the backlog until listen_after_bind.
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  SlowApp(const SlowApp&) = delete;
  SlowApp& operator=(const SlowApp&) = delete;
  SlowApp(SlowApp&&) = delete;
  SlowApp& operator=(SlowApp&&) = delete;
  ~SlowApp() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/healthz"; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Issue 14: a [[readiness.http]] check used to run after the database's and stretch its
// deadline, so a frozen database was reported after connect + statement + grace + the HTTP
// timeout (11.2 s in the field). Each check's deadline is its own now: a frozen database is
// reported within interval + statement_timeout + grace (+ the cycle's short wait for the app),
// whatever the app's check takes.
TEST_F(FailureTest, FrozenPostgresReportedByItsOwnDeadlineBesideASlowHttpCheck) {
  make_cluster();
  SlowApp app(1500ms);
  AgentTimings t;
  t.interval = "500ms";
  t.statement_timeout = "2s";
  const std::string check =
      "[[readiness.http]]\nname = \"app\"\nurl = \"" + app.url() + "\"\ntimeout = \"5s\"\n";
  start_agent(agent_config(kTables + check, t), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  ASSERT_EQ(body_json(get("/health"))["checks"]["http:app"][0]["status"], "pass");
  cluster_->freeze();
  // Bound: interval 0.5 s + statement_timeout 2 s + grace 1 s + the app wait 0.25 s = 3.75 s.
  // The old order (the database's deadline including the HTTP timeout: 1 + 2 + 1 + 5 s) took
  // over 9 s. 5 s leaves slack for a loaded machine and still tells the two apart.
  auto took = time_until_status(503, 15s);
  ASSERT_TRUE(took);
  EXPECT_LT(*took, 5s);
  EXPECT_EQ(error_of("postgres:connection"), "timeout");
  EXPECT_TRUE(answers_while_a_cycle_is_in_flight(500ms));
  // The database's own round trip ended at statement_timeout + grace, not later.
  const auto connection = body_json(get("/health"))["checks"]["postgres:connection"][0];
  ASSERT_TRUE(connection["observedValue"].is_number()) << connection;
  EXPECT_LT(connection["observedValue"].get<double>(), 3500.0) << connection;
  cluster_->thaw();
  ASSERT_TRUE(time_until_status(200, 15s));
}

// Issue 13, finding 7: slow query markers used to make the whole cycle time out as
// "postgres:connection: the server did not answer" and drop the connection. They are the
// markers' fault: the connection passes, schema:migrations says which markers were not judged,
// and `validate` warns that the markers cannot fit the cycle.
TEST_F(FailureTest, SlowQueryMarkersAreTheMarkersFault) {
  make_cluster();
  std::string markers;
  for (int i = 0; i < 4; ++i) {
    markers += "[[readiness.migrations]]\nname = \"slow" + std::to_string(i) +
               "\"\nquery = \"SELECT pg_sleep(0.9) IS NOT NULL\"\n";
  }
  start_agent(agent_config(std::string(kTables) + markers), cluster_->app_dsn());
  nlohmann::json health;
  ASSERT_TRUE(eventually(
      [&] {
        health = body_json(get("/health"));
        return health["checks"]["schema:migrations"][0]["status"] == "fail";
      },
      15s))
      << health;
  EXPECT_EQ(health["checks"]["postgres:connection"][0]["status"], "pass") << health;
  const auto& migrations = health["checks"]["schema:migrations"][0];
  EXPECT_EQ(migrations["errorClass"], "timeout") << migrations;
  EXPECT_NE(migrations["output"].get<std::string>().find("not judged"), std::string::npos)
      << migrations;
  EXPECT_NE(migrations["output"].get<std::string>().find("slow3"), std::string::npos) << migrations;
  const auto validated = run_agent_cli({"validate", "--config", agent_->config_path()});
  EXPECT_EQ(validated.exit_code, 0) << validated.err;
  EXPECT_NE(validated.err.find("warning: readiness.migrations: the 4 query markers may take up "
                               "to 4s"),
            std::string::npos)
      << validated.err;
}

TEST_F(FailureTest, ListenerThatNeverAnswers) {
  SilentTcpListener silent;
  start_agent(agent_config(kTables), silent.dsn());
  ASSERT_TRUE(eventually([&] { return error_of("postgres:connection") == "timeout"; }, 10s));
  EXPECT_GE(silent.accepted(), 1);
  EXPECT_EQ(get("/health/ready").status, 503);
  EXPECT_EQ(get("/health/live").status, 200);
  // Keeps answering while each cycle waits out its connect timeout, across several of them.
  EXPECT_TRUE(answers_while_a_cycle_is_in_flight(200ms));
  EXPECT_FALSE(time_until_status(200, 3s));
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

// A login costs the server ~7 ms of CPU, so by default it is tried rarely (here: once an hour),
// but a critical pool is reason to doubt: a real login is then tried every 30 s, and one that
// failed is tried again every 30 s until it passes.
TEST_F(FailureTest, AFullServerIsCheckedByARealLoginEveryHalfMinute) {
  make_cluster({.max_connections = 6, .superuser_reserved_connections = 3});
  AgentTimings t;
  t.interval = "1s";
  t.fresh_connect_interval = "1h";
  // Two client sessions make the pool critical (the agent's own is not counted).
  start_agent(agent_config(kTables, t, "[pool]\nwarn = 1\ncritical = 2\n"), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  std::vector<std::unique_ptr<HeldConnection>> held;
  held.push_back(cluster_->connect(cluster_->app_dsn()));
  held.push_back(cluster_->connect(cluster_->app_dsn()));
  ASSERT_TRUE(
      eventually([&] { return error_of("postgres:fresh_connect") == "too_many_connections"; }, 45s))
      << get("/health").body;
  held.clear();
  EXPECT_TRUE(eventually(
      [&] {
        return body_json(get("/health"))["checks"]["postgres:fresh_connect"][0]["status"] == "pass";
      },
      45s))
      << get("/health").body;
}

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
