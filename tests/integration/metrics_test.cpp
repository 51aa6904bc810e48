// /metrics from the real agent against a real Postgres: clients hold connections under
// different application_names, the exposition reports them exactly, and Prometheus's own
// linter (promtool check metrics) accepts what the agent serves.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/run_binary.hpp"

namespace opsagent::testing {
namespace {

constexpr const char* kPromtool = "/usr/bin/promtool";

constexpr const char* kPool = R"(
[pool]
warn = "80%"
critical = "95%"
[[pool.clients]]
name = "web"
application_name = "web:*"
instances = 2
pool_max = 5
)";

// The value of the sample whose name and labels are exactly `series`.
std::optional<double> sample(const std::string& body, const std::string& series) {
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

// The sum of every sample whose name and labels start with `prefix`.
double sum_of(const std::string& body, const std::string& prefix) {
  double sum = 0;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

// `promtool check metrics` reads the exposition on stdin; run_process gives children
// /dev/null there, so the body goes through a file and a shell redirection.
RunResult promtool_check(const std::string& body) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("opsagent-metrics-it-" + std::to_string(getpid()) + ".prom");
  std::ofstream(path, std::ios::binary) << body;
  auto result = run_process(
      {"/bin/sh", "-c", std::string(kPromtool) + " check metrics < '" + path.string() + "'"});
  std::filesystem::remove(path);
  return result;
}

class MetricsTest : public AgentTest {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<PgCluster>();
    // pg_monitor: the agent sees every session in full, so partial_view is deterministically 0.
    cluster_->exec(
        "CREATE TABLE permits (id int); ALTER TABLE permits OWNER TO app;"
        "GRANT pg_monitor TO app;");
  }
  // As role `app`, like the application's own pools.
  std::unique_ptr<HeldConnection> as_app(const std::string& application_name) {
    return cluster_->connect(cluster_->app_dsn() +
                             "?application_name=" + percent_encode(application_name));
  }
  std::string metrics() { return get("/metrics").body; }

  std::unique_ptr<PgCluster> cluster_;
};

TEST_F(MetricsTest, ReportsHeldConnectionsExactlyAndPassesPromtool) {
  std::vector<std::unique_ptr<HeldConnection>> held;
  held.reserve(3);
  for (int i = 0; i < 2; ++i) held.push_back(as_app("web:1"));
  held.push_back(as_app("web:2"));
  held.back()->exec("BEGIN; SELECT 1");  // idle in transaction
  held.push_back(as_app("cron"));
  // Quotes and backslashes survive (PG 15 turns only non-ASCII into '?').
  const std::string hostile = R"(it's "quoted" \ odd)";
  held.push_back(as_app(hostile));

  start_agent(agent_config("expected_tables = [\"permits\"]\n") + kPool, cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  ASSERT_TRUE(eventually(
      [&] { return sample(metrics(), "opsagent_postgres_connections_used") == 5.0; }, 10s))
      << metrics();

  auto reply = get("/metrics");
  ASSERT_EQ(reply.status, 200);
  EXPECT_TRUE(reply.header("Content-Type").starts_with("text/plain; version=0.0.4"));
  const std::string& body = reply.body;

  EXPECT_EQ(sample(body, "opsagent_ready"), 1.0) << body;
  EXPECT_EQ(sample(body, "opsagent_draining"), 0.0);
  EXPECT_EQ(sample(body, "opsagent_check_status{check=\"postgres:connection\"}"), 0.0);
  EXPECT_EQ(sample(body, "opsagent_check_status{check=\"schema:tables\"}"), 0.0);
  EXPECT_LT(sample(body, "opsagent_snapshot_age_seconds").value_or(1e9), 10.0);
  EXPECT_GE(sample(body, "opsagent_probe_cycles_total").value_or(0), 1.0);
  EXPECT_EQ(sample(body, "opsagent_probe_duration_seconds_count"),
            sample(body, "opsagent_probe_cycles_total"));

  EXPECT_EQ(sample(body, "opsagent_postgres_max_connections"), 20.0);
  EXPECT_EQ(sample(body, "opsagent_postgres_superuser_reserved_connections"), 3.0);
  EXPECT_EQ(body.find("opsagent_postgres_reserved_connections"), std::string::npos)
      << "PG 15 has no reserved_connections";
  EXPECT_EQ(sample(body, "opsagent_postgres_usable_slots"), 17.0);
  EXPECT_EQ(sample(body, "opsagent_postgres_connections_free"), 17.0 - 5 - 1);
  EXPECT_NEAR(sample(body, "opsagent_postgres_connection_utilization_ratio").value_or(-1), 5.0 / 17,
              1e-9);
  EXPECT_EQ(sample(body, "opsagent_postgres_connections{state=\"idle\"}"), 4.0);
  EXPECT_EQ(sample(body, "opsagent_postgres_connections{state=\"idle_in_transaction\"}"), 1.0);
  EXPECT_EQ(sample(body, "opsagent_postgres_connections{state=\"active\"}"), 0.0);
  EXPECT_EQ(
      sample(body,
             "opsagent_postgres_application_connections{application=\"web:1\",state=\"idle\"}"),
      2.0);
  EXPECT_EQ(sample(body,
                   "opsagent_postgres_application_connections{application=\"web:2\",state="
                   "\"idle_in_transaction\"}"),
            1.0);
  EXPECT_EQ(
      sample(body,
             "opsagent_postgres_application_connections{application=\"cron\",state=\"idle\"}"),
      1.0);
  EXPECT_EQ(
      sample(
          body,
          R"(opsagent_postgres_application_connections{application="it's \"quoted\" \\ odd",state="idle"})"),
      1.0);
  EXPECT_EQ(body.find("application=\"opsagent\""), std::string::npos)
      << "the agent's own session is not counted";
  EXPECT_EQ(sample(body, "opsagent_postgres_partial_view"), 0.0);
  EXPECT_GE(sample(body, "opsagent_postgres_oldest_transaction_age_seconds").value_or(-1), 0.0);

  EXPECT_EQ(sample(body, "opsagent_pool_client_connections{client=\"web\"}"), 3.0);
  EXPECT_EQ(sample(body, "opsagent_pool_client_budget_connections{client=\"web\"}"), 10.0);
  EXPECT_EQ(sample(body, "opsagent_pool_client_instances_at_limit{client=\"web\"}"), 0.0);
  EXPECT_EQ(sample(body, "opsagent_pool_budget_declared_connections"), 10.0);
  EXPECT_EQ(sample(body, "opsagent_pool_budget_fits"), 1.0);
  EXPECT_EQ(sample(body, "opsagent_pool_level"), 0.0);
  EXPECT_TRUE(sample(body, "opsagent_pool_utilization_max_ratio{window=\"1m\"}").has_value());

  if (access(kPromtool, X_OK) != 0) {
    GTEST_SKIP() << kPromtool << " is absent (Debian package prometheus; scripts/install-deps.sh)";
  }
  const auto lint = promtool_check(body);
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err << "\n---- exposition ----\n" << body;
  EXPECT_EQ(lint.out + lint.err, "") << body;
}

TEST_F(MetricsTest, ApplicationThatDisconnectsLosesItsSeries) {
  auto worker = as_app("batch:7");
  start_agent(agent_config("expected_tables = [\"permits\"]\n"), cluster_->app_dsn());
  ASSERT_TRUE(eventually(
      [&] { return metrics().find("application=\"batch:7\"") != std::string::npos; }, 15s))
      << metrics();
  worker.reset();
  ASSERT_TRUE(eventually(
      [&] { return sample(metrics(), "opsagent_postgres_connections_used") == 0.0; }, 10s))
      << metrics();
  EXPECT_EQ(metrics().find("batch:7"), std::string::npos);
}

TEST_F(MetricsTest, DatabaseDownCountsErrorsAndDropsPostgresSeries) {
  start_agent(agent_config("expected_tables = [\"permits\"]\n"), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  cluster_->stop();
  ASSERT_TRUE(eventually(
      [&] {
        // The class depends on how the connection broke (connection_lost, refused, ...).
        return sum_of(metrics(), "opsagent_probe_errors_total{check=\"postgres:connection\",") >= 2;
      },
      10s))
      << metrics();
  const auto body = metrics();
  EXPECT_EQ(sample(body, "opsagent_ready"), 0.0);
  EXPECT_EQ(sample(body, "opsagent_check_status{check=\"postgres:connection\"}"), 2.0);
  EXPECT_EQ(body.find("opsagent_postgres_connections_used"), std::string::npos)
      << "no activity was read this cycle";
}

}  // namespace
}  // namespace opsagent::testing
