// [[jobs]] end to end: the real agent reads the reference app's cron_log in a real Postgres at
// each job's own interval and tells fresh, stale, failing and running jobs apart in /health,
// /status and /metrics; JobStale and JobFailing reach a webhook and resolve when the app's cron
// worker records a success (and the failures age out of the window).
#include <fstream>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/capture_server.hpp"

namespace opsagent::testing {
namespace {

using Requests = std::vector<CaptureServer::Request>;

// The reference app's table, as its cron worker writes it.
constexpr const char* kCronLog = R"sql(
CREATE TABLE cron_log (
  id serial PRIMARY KEY,
  job_name text NOT NULL,
  status text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  error_message text);
GRANT SELECT ON cron_log TO app;
)sql";

// One run of `job` that started `started_ago` and took `took` (NULL finished_at: still running).
std::string run_row(const std::string& job, const std::string& status,
                    const std::string& started_ago, const std::string& took,
                    const std::string& error = "") {
  const std::string finished =
      took.empty() ? "NULL" : "now() - interval '" + started_ago + "' + interval '" + took + "'";
  return "INSERT INTO cron_log (job_name, status, started_at, finished_at, error_message) VALUES "
         "('" +
         job + "', '" + status + "', now() - interval '" + started_ago + "', " + finished + ", " +
         (error.empty() ? "NULL" : "'" + error + "'") + ");";
}

// "firing" / "resolved" for each notification of `alertname` about `job`, in order.
std::vector<std::string> events(const Requests& requests, const std::string& alertname,
                                const std::string& job) {
  std::vector<std::string> out;
  for (const auto& r : requests) {
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) continue;
    for (const auto& a : j["alerts"]) {
      if (a["labels"]["alertname"] == alertname && a["labels"]["job"] == job) {
        out.push_back(j["notification"]["kind"].get<std::string>());
      }
    }
  }
  return out;
}

std::string job_blocks() {
  return "[[jobs]]\nname = \"nightly\"\njob_name = \"sync_permits\"\nmax_age = \"26h\"\n"
         "interval = \"1s\"\n"
         "[[jobs]]\nname = \"hourly\"\njob_name = \"refresh_cache\"\nmax_age = \"2h\"\n"
         "interval = \"1s\"\n"
         "[[jobs]]\nname = \"flaky\"\njob_name = \"send_digest\"\nmax_age = \"26h\"\n"
         "max_failures = 1\ninterval = \"1s\"\n"
         "[[jobs]]\nname = \"busy\"\njob_name = \"rebuild_index\"\nmax_age = \"26h\"\n"
         "interval = \"1s\"\n";
}

class JobsTest : public AgentTest {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<PgCluster>();
    cluster_->exec(kCronLog);
    // nightly: fresh, five successes of known durations (newest first: 60s 62s 58s 61s 59s).
    cluster_->exec(run_row("sync_permits", "success", "5 hours", "60 seconds") +
                   run_row("sync_permits", "success", "29 hours", "62 seconds") +
                   run_row("sync_permits", "success", "53 hours", "58 seconds") +
                   run_row("sync_permits", "success", "77 hours", "61 seconds") +
                   run_row("sync_permits", "success", "101 hours", "59 seconds") +
                   run_row("sync_permits", "success", "125 hours", "600 seconds"));
    // hourly: stale (last success 3 h ago, max_age 2 h).
    cluster_->exec(run_row("refresh_cache", "success", "3 hours", "10 seconds"));
    // flaky: fresh, but two failures in the last 24 h (max_failures 1), and one a week ago.
    cluster_->exec(run_row("send_digest", "success", "1 hour", "5 seconds") +
                   run_row("send_digest", "failed", "3 hours", "1 second", "SMTP 451 <try again>") +
                   run_row("send_digest", "failed", "2 hours", "1 second", "SMTP 451 <try again>") +
                   run_row("send_digest", "failed", "170 hours", "1 second", "old"));
    // busy: succeeded yesterday, running now for 10 minutes.
    cluster_->exec(run_row("rebuild_index", "success", "20 hours", "30 seconds") +
                   run_row("rebuild_index", "running", "10 minutes", ""));
  }

  nlohmann::json job(const std::string& name) { return health_entry("jobs", name); }
  nlohmann::json check(const std::string& name) { return health_check("job:" + name); }

  std::unique_ptr<PgCluster> cluster_;
};

TEST_F(JobsTest, FreshStaleFailingAndRunningJobsAreToldApartAndAlertsFireAndResolve) {
  CaptureServer hooks;
  const std::string alerts =
      "[alerts]\npending = \"0s\"\nkeep_firing = \"0s\"\nstate_file = \"\"\n"
      "[[alerts.receivers]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"" +
      hooks.url() + "\"\nrules = [\"job_stale\", \"job_failing\"]\ntimeout = \"2s\"\n";
  start_agent(agent_config("", {}, alerts) + job_blocks(), cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  ASSERT_TRUE(eventually([&] { return check("busy").contains("status"); }, 15s))
      << get("/health").body;

  // Fresh: the last five successful durations and their average, nothing failed.
  const auto nightly = job("nightly");
  ASSERT_FALSE(nightly.empty()) << get("/health").body;
  EXPECT_EQ(check("nightly")["status"], "pass");
  EXPECT_EQ(nightly["last_durations_ms"],
            nlohmann::json::array({60000, 62000, 58000, 61000, 59000}));
  EXPECT_EQ(nightly["average_duration_ms"], 60000);
  EXPECT_EQ(nightly["last_status"], "success");
  EXPECT_EQ(nightly["failures_in_window"], 0);
  ASSERT_TRUE(nightly["last_success_age_s"].is_number()) << nightly;
  const auto age = nightly["last_success_age_s"].get<long>();
  EXPECT_GE(age, 5 * 3600 - 60 - 5);
  EXPECT_LE(age, 5 * 3600 - 60 + 60);

  // Stale: a warning that never takes the deployment out of rotation.
  EXPECT_EQ(check("hourly")["status"], "warn");
  EXPECT_EQ(check("hourly")["affectsReadiness"], false);
  EXPECT_NE(check("hourly")["output"].get<std::string>().find("max_age 2h"), std::string::npos)
      << check("hourly");
  EXPECT_EQ(get("/health/ready").status, 200);

  // Failing: two in the window (the week-old one does not count), the last error shown.
  EXPECT_EQ(check("flaky")["status"], "warn");
  EXPECT_EQ(job("flaky")["failures_in_window"], 2);
  EXPECT_EQ(job("flaky")["last_error"], "SMTP 451 <try again>");

  // Running: started ten minutes ago, not finished; its last success still counts.
  EXPECT_EQ(check("busy")["status"], "pass");
  ASSERT_TRUE(job("busy")["running_for_s"].is_number()) << job("busy");
  EXPECT_GE(job("busy")["running_for_s"].get<long>(), 600);
  EXPECT_EQ(job("busy")["last_status"], "success");

  // The alerts fire, one per job and kind.
  ASSERT_TRUE(hooks.wait_until(
      [&](const Requests& r) {
        return !events(r, "JobStale", "hourly").empty() &&
               !events(r, "JobFailing", "flaky").empty();
      },
      20s));
  EXPECT_TRUE(events(hooks.requests(), "JobStale", "nightly").empty());
  EXPECT_TRUE(events(hooks.requests(), "JobStale", "busy").empty());

  // The views.
  const auto status = get("/status").body;
  EXPECT_NE(status.find("STALE     hourly"), std::string::npos) << status;
  EXPECT_NE(status.find("FAILING   flaky"), std::string::npos) << status;
  EXPECT_NE(status.find("last 5 successful runs 1m00s 1m02s 58.0s 1m01s 59.0s (avg 1m00s)"),
            std::string::npos)
      << status;
  EXPECT_NE(status.find("running for 10m"), std::string::npos) << status;
  const auto html = get("/status", {{"Accept", "text/html"}}).body;
  EXPECT_NE(html.find("SMTP 451 &lt;try again&gt;"), std::string::npos);
  const auto metrics = get("/metrics").body;
  EXPECT_NE(metrics.find(R"(opsagent_job_failures_in_window{job="flaky"} 2)"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(opsagent_job_average_duration_seconds{job="nightly"} 60)"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(opsagent_job_running{job="busy"} 1)"), std::string::npos);

  // The cron worker recovers: a fresh success for hourly, the failures are cleared; both
  // alerts resolve at the next read (interval 1s).
  cluster_->exec(run_row("refresh_cache", "success", "1 minute", "10 seconds") +
                 "DELETE FROM cron_log WHERE job_name = 'send_digest' AND status = 'failed';");
  ASSERT_TRUE(hooks.wait_until(
      [&](const Requests& r) {
        return events(r, "JobStale", "hourly") == std::vector<std::string>{"firing", "resolved"} &&
               events(r, "JobFailing", "flaky") == std::vector<std::string>{"firing", "resolved"};
      },
      20s))
      << hooks.requests().size();
  EXPECT_EQ(check("hourly")["status"], "pass");
  EXPECT_EQ(check("flaky")["status"], "pass");
}

TEST_F(JobsTest, AJobThatGatesReadinessAndAMissingTableAreSaidPlainly) {
  start_agent(agent_config("") +
                  "[[jobs]]\nname = \"hourly\"\njob_name = \"refresh_cache\"\nmax_age = \"2h\"\n"
                  "interval = \"1s\"\ngates_readiness = true\n"
                  "[[jobs]]\nname = \"elsewhere\"\njob_name = \"x\"\nmax_age = \"1h\"\n"
                  "table = \"ops.job_runs\"\ninterval = \"1s\"\n",
              cluster_->app_dsn());
  // The stale job gates readiness: 503, naming it.
  ASSERT_TRUE(eventually(
      [&] {
        const auto ready = get("/health/ready");
        return ready.status == 503 && ready.body.find("job:hourly") != std::string::npos;
      },
      15s))
      << get("/health/ready").body;
  // A table that does not exist: the job's warning names it, the rest of the agent goes on.
  ASSERT_TRUE(eventually([&] { return check("elsewhere").contains("status"); }, 10s));
  EXPECT_EQ(check("elsewhere")["status"], "warn");
  EXPECT_NE(check("elsewhere")["output"].get<std::string>().find("ops.job_runs"), std::string::npos)
      << check("elsewhere");
  EXPECT_EQ(check("hourly")["status"], "fail");

  cluster_->exec(run_row("refresh_cache", "success", "1 minute", "10 seconds"));
  ASSERT_TRUE(wait_ready(200, 15s)) << get("/health/ready").body;
}

// The app writes whatever its exception said: the agent keeps kErrorChars characters ("…" marks
// the cut) and turns terminal escapes and line breaks into harmless text in every view.
TEST_F(JobsTest, ALongErrorWithTerminalEscapesIsCutAndMadePrintable) {
  cluster_->exec(
      "INSERT INTO cron_log (job_name, status, started_at, finished_at, error_message) VALUES "
      "('send_digest', 'failed', now() - interval '30 minutes', now() - interval '29 minutes', "
      "E'\\033[31mPANIC\\nline two ' || repeat('é', 400));");
  start_agent(agent_config("") + job_blocks(), cluster_->app_dsn());
  ASSERT_TRUE(eventually([&] { return job("flaky")["last_error"].is_string(); }, 15s))
      << get("/health").body;
  std::string expected = "?[31mPANIC line two ";
  for (int i = 0; i < 179; ++i) expected += "é";
  expected += "…";
  EXPECT_EQ(job("flaky")["last_error"], expected);
  const auto status = get("/status").body;
  EXPECT_NE(status.find("?[31mPANIC line two"), std::string::npos) << status;
  EXPECT_EQ(status.find('\033'), std::string::npos);
}

}  // namespace
}  // namespace opsagent::testing
