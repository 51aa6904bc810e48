// [[queries]] end to end, with the very blocks config/example.toml documents: the reference
// app's page_cache and request_metrics tables in a real Postgres, filled with known values; the
// agent's gauges, checks, /status lines and QueryThreshold alerts follow the data, and a query
// that cannot be answered is a warning that stops nothing else.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/capture_server.hpp"

namespace opsagent::testing {
namespace {

using Requests = std::vector<CaptureServer::Request>;

// The commented-out [[queries]] example blocks of config/example.toml, uncommented as a user
// would: every "#     " line from the first "#     [[queries]]" to the end of the blocks.
std::string example_query_blocks() {
  const auto path = std::filesystem::path(OPSAGENT_SOURCE_DIR) / "config" / "example.toml";
  std::ifstream in(path);
  std::string line;
  std::string out;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line == "#     [[queries]]") inside = true;
    if (!inside) continue;
    if (line.starts_with("#     ")) {
      out += line.substr(6) + "\n";
    } else if (line != "#") {
      break;
    }
  }
  return out;
}

constexpr const char* kTables = R"sql(
CREATE TABLE page_cache (key text PRIMARY KEY, body text, created_at timestamptz NOT NULL);
CREATE TABLE request_metrics (id serial PRIMARY KEY, path text, status_code int,
                              duration_ms double precision, recorded_at timestamptz NOT NULL);
GRANT SELECT ON page_cache, request_metrics TO app;
)sql";

// 100 requests in the last 5 minutes with durations 1..100 ms, `errors` of them 500s; and
// one old slow request that must not count.
std::string fill_requests(int errors, int slowest_ms) {
  return "TRUNCATE request_metrics; INSERT INTO request_metrics (path, status_code, duration_ms, "
         "recorded_at) SELECT '/permits', CASE WHEN i <= " +
         std::to_string(errors) + " THEN 500 ELSE 200 END, i * " + std::to_string(slowest_ms) +
         " / 100.0, now() - interval '1 minute' FROM generate_series(1, 100) i; "
         "INSERT INTO request_metrics (path, status_code, duration_ms, recorded_at) VALUES "
         "('/old', 500, 99999, now() - interval '1 hour');";
}

std::vector<std::string> events(const Requests& requests, const std::string& column) {
  std::vector<std::string> out;
  for (const auto& r : requests) {
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) continue;
    for (const auto& a : j["alerts"]) {
      if (a["labels"]["alertname"] == "QueryThreshold" && a["labels"]["column"] == column) {
        out.push_back(j["notification"]["kind"].get<std::string>() + ":" +
                      a["labels"]["severity"].get<std::string>());
      }
    }
  }
  return out;
}

class QueriesTest : public AgentTest {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<PgCluster>();
    cluster_->exec(kTables);
  }

  nlohmann::json columns(const std::string& query) {
    return health_entry("queries", query).value("columns", nlohmann::json::object());
  }
  nlohmann::json check(const std::string& query) { return health_check("query:" + query); }

  std::unique_ptr<PgCluster> cluster_;
};

TEST_F(QueriesTest, TheExampleQueriesFollowTheDataAndTheirAlertsFireAndResolve) {
  std::string blocks = example_query_blocks();
  ASSERT_NE(blocks.find("[[queries.thresholds]]"), std::string::npos) << blocks;
  // The example's intervals (1m, 30s) are for production; the test cannot wait that long.
  for (const auto* interval : {"interval = \"1m\"", "interval = \"30s\""}) {
    const auto at = blocks.find(interval);
    ASSERT_NE(at, std::string::npos) << blocks;
    blocks.replace(at, std::string(interval).size(), "interval = \"1s\"");
  }
  cluster_->exec(
      "INSERT INTO page_cache VALUES ('a', 'x', now() - interval '2 days'), "
      "('b', 'y', now() - interval '1 hour'), ('c', 'z', now());" +
      fill_requests(0, 100));
  CaptureServer hooks;
  const std::string alerts =
      "[alerts]\npending = \"0s\"\nkeep_firing = \"0s\"\nstate_file = \"\"\n"
      "[[alerts.receivers]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"" +
      hooks.url() + "\"\nrules = [\"query_threshold\"]\ntimeout = \"2s\"\n";
  start_agent(agent_config("", {}, alerts) + blocks, cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  ASSERT_TRUE(eventually([&] { return columns("requests").contains("p99_ms"); }, 15s))
      << get("/health").body;

  // page_cache: 3 entries, the oldest two days old: a warning (day-old entries), not critical.
  const auto cache = columns("page_cache");
  EXPECT_EQ(cache["entries"], 3);
  EXPECT_NEAR(cache["oldest_age_s"].get<double>(), 2 * 86400, 60);
  EXPECT_EQ(check("page_cache")["status"], "warn");
  EXPECT_EQ(check("page_cache")["affectsReadiness"], false);
  EXPECT_EQ(get("/health/ready").status, 200);

  // requests: durations 1..100 ms: p50 50.5, p95 95.05, p99 99.01 (percentile_cont), no errors;
  // the hour-old 99999 ms error is outside the 5 minutes.
  auto req = columns("requests");
  EXPECT_NEAR(req["p50_ms"].get<double>(), 50.5, 0.01);
  EXPECT_NEAR(req["p95_ms"].get<double>(), 95.05, 0.01);
  EXPECT_NEAR(req["p99_ms"].get<double>(), 99.01, 0.01);
  EXPECT_EQ(req["error_rate"], 0);
  EXPECT_EQ(check("requests")["status"], "pass");

  // Slow and failing: durations up to 5 s (p50 2.5 s: critical; p95 4.75 s: critical; p99
  // 4.95 s: warn) and 3% errors (warn).
  cluster_->exec(fill_requests(3, 5000));
  ASSERT_TRUE(eventually([&] { return check("requests")["status"] == "fail"; }, 15s))
      << get("/health").body;
  ASSERT_TRUE(hooks.wait_until(
      [&](const Requests& r) {
        return !events(r, "p50_ms").empty() && !events(r, "p95_ms").empty() &&
               !events(r, "p99_ms").empty() && !events(r, "error_rate").empty();
      },
      20s));
  const auto sent = hooks.requests();
  EXPECT_EQ(events(sent, "p50_ms"), std::vector<std::string>{"firing:critical"});
  EXPECT_EQ(events(sent, "p99_ms"), std::vector<std::string>{"firing:warning"});
  EXPECT_EQ(events(sent, "error_rate"), std::vector<std::string>{"firing:warning"});
  EXPECT_EQ(get("/health/ready").status, 200);  // not gating: still in rotation

  const auto metrics = get("/metrics").body;
  EXPECT_NE(metrics.find(R"(opsagent_query_value{column="error_rate",query="requests"} 0.03)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(opsagent_query_value{column="entries",query="page_cache"} 3)"),
            std::string::npos);
  const auto status = get("/status").body;
  EXPECT_NE(status.find("FAIL      requests"), std::string::npos) << status;
  EXPECT_NE(status.find("p50_ms 2525 >= critical 500"), std::string::npos) << status;
  EXPECT_NE(status.find("WARN      page_cache"), std::string::npos) << status;

  // Back to normal: every alert resolves.
  cluster_->exec(fill_requests(0, 100));
  ASSERT_TRUE(hooks.wait_until(
      [&](const Requests& r) {
        for (const auto* c : {"p50_ms", "p95_ms", "p99_ms", "error_rate"}) {
          const auto e = events(r, c);
          if (e.empty() || !e.back().starts_with("resolved")) return false;
        }
        return true;
      },
      20s));
  EXPECT_EQ(check("requests")["status"], "pass");
}

TEST_F(QueriesTest, AnUnanswerableQueryIsAWarningAndAGatingOneTakesTheAgentOut) {
  start_agent(agent_config("") +
                  "[[queries]]\nname = \"two_rows\"\nsql = \"SELECT generate_series(1, 2) AS n\"\n"
                  "interval = \"1s\"\n"
                  "[[queries]]\nname = \"words\"\nsql = \"SELECT 'many' AS entries\"\n"
                  "interval = \"1s\"\n"
                  "[[queries]]\nname = \"gone\"\nsql = \"SELECT count(*) AS n FROM nope\"\n"
                  "interval = \"1s\"\n"
                  "[[queries]]\nname = \"backlog\"\n"
                  "sql = \"SELECT count(*) AS entries FROM page_cache\"\ninterval = \"1s\"\n"
                  "gates_readiness = true\n"
                  "[[queries.thresholds]]\ncolumn = \"entries\"\nwarn = 1\ncritical = 2\n",
              cluster_->app_dsn());
  ASSERT_TRUE(eventually([&] { return check("gone").contains("status"); }, 15s));
  EXPECT_EQ(check("two_rows")["status"], "warn");
  EXPECT_NE(check("two_rows")["output"].get<std::string>().find("returned 2 rows"),
            std::string::npos)
      << check("two_rows");
  EXPECT_NE(check("words")["output"].get<std::string>().find("column entries is not a number"),
            std::string::npos)
      << check("words");
  EXPECT_EQ(check("gone")["errorClass"], "query_error");
  EXPECT_NE(check("gone")["output"].get<std::string>().find("nope"), std::string::npos);
  // The rest of the agent goes on: ready, the schema checked.
  ASSERT_TRUE(wait_ready(200, 10s)) << get("/health/ready").body;

  // The gating query reaches its critical level: not ready, naming it; back below: ready.
  cluster_->exec("INSERT INTO page_cache VALUES ('a', '', now()), ('b', '', now());");
  ASSERT_TRUE(eventually(
      [&] {
        const auto ready = get("/health/ready");
        return ready.status == 503 && ready.body.find("query:backlog") != std::string::npos;
      },
      15s))
      << get("/health/ready").body;
  cluster_->exec("DELETE FROM page_cache;");
  ASSERT_TRUE(wait_ready(200, 15s)) << get("/health/ready").body;
}

}  // namespace
}  // namespace opsagent::testing
