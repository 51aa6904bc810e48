// Leaked and idle in transaction sessions of the declared clients (issue 17 part 4), against a
// real Postgres: in supervise mode a worker the test SIGKILLs while its connection lives on (a
// child that survives it holds the connection) is reported leaked in /health, /status and
// /metrics, and its alert fires; a session with the same name from another address (another
// deployment's container) is not. Idle in transaction sessions are counted per client.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/capture_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace opsagent::testing {
namespace {

// The app: a "master" whose one worker (a subshell) names its connection after its own PID, as
// a gunicorn worker's pool would ("web:<pid>"), and leaves it to a child process (psql), which
// survives the worker's death and keeps the session open.
constexpr const char* kApp = R"sh(
worker() {
  export PGAPPNAME="web:$BASHPID"
  /usr/lib/postgresql/15/bin/psql "$LEAK_DSN" -X -q -c "select pg_sleep(120)" >/dev/null 2>&1 &
  echo "$BASHPID" > "$APP_CTL/worker.tmp" && mv "$APP_CTL/worker.tmp" "$APP_CTL/worker"
  wait
}
worker &
exec sleep 300
)sh";

std::string pool_config(const std::string& idle_warn) {
  return "[pool]\nidle_in_transaction_warn = \"" + idle_warn +
         "\"\n[[pool.clients]]\nname = \"web\"\napplication_name = \"web:*\"\ninstances = 4\n"
         "pool_max = 20\n[[pool.clients]]\nname = \"cron\"\napplication_name = \"cron\"\n"
         "instances = 1\npool_max = 5\n";
}

class ConnectionHygieneTest : public AgentTest {
 protected:
  void SetUp() override { cluster_ = std::make_unique<PgCluster>(); }

  // The app's role over the unix socket (trusted there): the agent's and the app's own way in,
  // so both are "local" to each other.
  std::string socket_dsn() const {
    std::string dsn = cluster_->superuser_conninfo();
    dsn.replace(dsn.find("user=postgres"), 13, "user=app");
    return dsn;
  }

  nlohmann::json hygiene() { return body_json(get("/health")).value("hygiene", nlohmann::json{}); }

  int sessions_named(const std::string& name) {
    return std::stoi(cluster_->query_value(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + name + "'"));
  }

  std::unique_ptr<PgCluster> cluster_;
};

TEST_F(ConnectionHygieneTest, AKilledWorkersSurvivingSessionIsLeakedButNotAnotherHostsNamesake) {
  TempDir ctl{"opsagent-leak-app"};
  CaptureServer capture;
  const std::string config = agent_config("") + pool_config("1m") +
                             "[alerts]\npending = \"0s\"\nkeep_firing = \"0s\"\nstate_file = \"" +
                             ctl.file("alerts.json") +
                             "\"\n[[alerts.receivers]]\nname = \"hook\"\ntype = \"webhook\"\n" +
                             "url = \"" + capture.url() + "\"\ntimeout = \"2s\"\n";
  AgentProcess::Options options;
  options.config_toml = config;
  options.env = {
      {"DATABASE_URL", socket_dsn()}, {"LEAK_DSN", socket_dsn()}, {"APP_CTL", ctl.path().string()}};
  options.app = {"bash", "-c", kApp};
  agent_ = std::make_unique<AgentProcess>(options);
  ASSERT_TRUE(wait_ready(200, 15s)) << agent_->log();

  const std::string worker_file = ctl.file("worker");
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(worker_file); }, 10s));
  pid_t worker = 0;
  std::ifstream(worker_file) >> worker;
  ASSERT_GT(worker, 0);
  const std::string name = "web:" + std::to_string(worker);
  ASSERT_TRUE(eventually([&] { return sessions_named(name) == 1; }, 10s)) << cluster_->server_log();
  // The worker still runs: nothing is leaked.
  ASSERT_TRUE(eventually([&] { return health_check("pool:leaked")["status"] == "pass"; }, 10s))
      << body_json(get("/health")).dump();

  // Another deployment's worker of the same name, over TCP from 127.0.0.1: not this host's.
  auto other = cluster_->connect(cluster_->app_dsn() + "?application_name=" + name);
  ASSERT_TRUE(eventually([&] { return sessions_named(name) == 2; }, 10s));

  ASSERT_EQ(::kill(worker, SIGKILL), 0);
  ASSERT_TRUE(eventually([&] { return health_check("pool:leaked")["status"] == "warn"; }, 15s))
      << body_json(get("/health")).dump();
  const auto h = hygiene();
  ASSERT_EQ(h["leaked"].size(), 1u) << h.dump();
  EXPECT_EQ(h["leaked"][0]["application_name"], name);
  EXPECT_EQ(h["leaked"][0]["client"], "web");
  EXPECT_EQ(h["leaked"][0]["worker_pid"], worker);
  EXPECT_EQ(h["leaked"][0]["sessions"], 1) << "the other host's session is not this app's leak";
  EXPECT_GE(h["leaked"][0]["oldest_s"].get<double>(), 0.0);
  EXPECT_EQ(health_check("pool:leaked")["observedValue"], 1);
  EXPECT_EQ(get("/health/ready").status, 200) << "a leak never gates readiness";

  const auto text = get("/status").body;
  EXPECT_NE(text.find("!! LEAKED " + name + " (web): 1 session"), std::string::npos) << text;
  const auto html = get("/status", {{"Accept", "text/html"}}).body;
  EXPECT_NE(html.find("LEAKED " + name), std::string::npos);
  const auto metrics = get("/metrics").body;
  EXPECT_NE(metrics.find("opsagent_pool_client_leaked_connections{client=\"web\"} 1"),
            std::string::npos)
      << metrics;

  ASSERT_TRUE(capture.wait_until(
      [](const std::vector<CaptureServer::Request>& rs) {
        for (const auto& r : rs) {
          if (r.body.find("PostgresLeakedConnections") != std::string::npos &&
              r.body.find("\"firing\"") != std::string::npos) {
            return true;
          }
        }
        return false;
      },
      10s))
      << agent_->log();

  // Once the leaked session ends, the check passes again.
  cluster_->exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" + name +
      "' AND client_port = -1");
  EXPECT_TRUE(eventually([&] { return health_check("pool:leaked")["status"] == "pass"; }, 10s))
      << body_json(get("/health")).dump();
}

TEST_F(ConnectionHygieneTest, IdleInTransactionSessionsAreCountedPerClient) {
  start_agent(agent_config("") + pool_config("1s"), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s)) << agent_->log();
  ASSERT_TRUE(eventually(
      [&] { return health_check("pool:idle_in_transaction")["status"] == "pass"; }, 10s));
  EXPECT_TRUE(health_check("pool:leaked").empty()) << "leaks are looked for in supervise mode";

  auto cron = cluster_->connect(cluster_->app_dsn() + "?application_name=cron");
  cron->exec("BEGIN; SELECT 1");
  auto undeclared = cluster_->connect(cluster_->app_dsn() + "?application_name=other");
  undeclared->exec("BEGIN; SELECT 1");
  ASSERT_TRUE(
      eventually([&] { return health_check("pool:idle_in_transaction")["status"] == "warn"; }, 10s))
      << body_json(get("/health")).dump();
  const auto check = health_check("pool:idle_in_transaction");
  EXPECT_EQ(check["observedValue"], 1) << check.dump();
  const auto h = hygiene();
  ASSERT_EQ(h["idle_in_transaction"].size(), 2u) << h.dump();
  EXPECT_EQ(h["idle_in_transaction"][1]["client"], "cron");
  EXPECT_EQ(h["idle_in_transaction"][1]["sessions"], 1);
  EXPECT_EQ(h["idle_in_transaction"][1]["past_warn"], 1);
  EXPECT_GE(h["idle_in_transaction"][1]["oldest_s"].get<double>(), 1.0);
  EXPECT_EQ(h["idle_in_transaction"][0]["sessions"], 0);
  EXPECT_EQ(get("/health/ready").status, 200);
  const auto text = get("/status").body;
  EXPECT_NE(text.find("cron: 1 idle in transaction, 1 for 1s or longer"), std::string::npos)
      << text;
  const auto metrics = get("/metrics").body;
  EXPECT_NE(
      metrics.find(
          "opsagent_pool_client_idle_in_transaction_past_warn_connections{client=\"cron\"} 1"),
      std::string::npos)
      << metrics;

  cron->exec("COMMIT");
  EXPECT_TRUE(eventually(
      [&] { return health_check("pool:idle_in_transaction")["status"] == "pass"; }, 10s));
}

}  // namespace
}  // namespace opsagent::testing
