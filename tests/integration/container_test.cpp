// [container] end to end: the real agent reads a fake cgroup tree the test rewrites (v2 and v1),
// shows it in /health (the container object and the container:cpu and container:memory checks),
// /status and /metrics, sends ContainerCpuHigh and ContainerMemoryHigh to a webhook and then
// their resolves; with gates_readiness a critical container makes /health/ready 503.
#include <atomic>
#include <thread>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/capture_server.hpp"
#include "tests/support/fake_cgroup.hpp"
#include "tests/support/temp_dir.hpp"

namespace opsagent::testing {
namespace {

using Requests = std::vector<CaptureServer::Request>;
constexpr std::uint64_t kMiB = 1024ULL * 1024;

// "firing" / "resolved" of each notification of `alertname`, in order.
std::vector<std::string> events_of(const Requests& requests, const std::string& alertname) {
  std::vector<std::string> out;
  for (const auto& r : requests) {
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || j["alerts"][0]["labels"]["alertname"] != alertname) continue;
    out.push_back(j["notification"]["kind"].get<std::string>());
  }
  return out;
}

bool await_events(const CaptureServer& hooks, const std::string& alertname,
                  const std::vector<std::string>& want) {
  hooks.wait_until([&](const Requests& r) { return events_of(r, alertname).size() >= want.size(); },
                   20s);
  return events_of(hooks.requests(), alertname) == want;
}

std::string container_block(const TempDir& cgroup, const std::string& extra = "") {
  return "[container]\ncgroup_root = \"" + cgroup.path().string() +
         "\"\ninterval = \"1s\"\ncpu_sustained = \"0s\"\n" + extra;
}

// A cgroup with a 1-core quota and 1 GiB limit, at 40% memory and idle.
FakeCgroupNumbers quiet() {
  return {.cpu_usage_us = 1'000'000,
          .cpu_quota_us = 100000,
          .cpu_period_us = 100000,
          .nr_periods = 10,
          .nr_throttled = 0,
          .throttled_us = 0,
          .memory_bytes = 410 * kMiB,
          .inactive_file_bytes = 0,
          .memory_limit_bytes = 1024 * kMiB,
          .oom_kills = 0};
}

// Keeps the fake cgroup's CPU counter climbing at 10 cores' worth while it lives: far above any
// quota of the test, whenever the agent reads.
class BusyCpu {
 public:
  BusyCpu(std::filesystem::path dir, FakeCgroupNumbers& n, int version)
      : thread_([this, dir = std::move(dir), &n, version] {
          while (!stop_.load()) {
            n.cpu_usage_us += 1'000'000;
            n.nr_periods += 1;
            n.nr_throttled += 1;
            n.throttled_us += 50'000;
            version == 1 ? write_cgroup_v1(dir, n) : write_cgroup_v2(dir, n);
            std::this_thread::sleep_for(100ms);  // pacing the fake counter, not synchronising
          }
        }) {}
  ~BusyCpu() {
    stop_.store(true);
    thread_.join();
  }
  BusyCpu(const BusyCpu&) = delete;
  BusyCpu& operator=(const BusyCpu&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class ContainerTest : public AgentTest {
 protected:
  void SetUp() override { cluster_ = std::make_unique<PgCluster>(); }

  nlohmann::json check(const std::string& name) {
    return body_json(get("/health"))["checks"][name][0];
  }

  std::unique_ptr<PgCluster> cluster_;
};

TEST_F(ContainerTest, V2MemoryAndCpuAlertsFireAndResolve) {
  TempDir cgroup("opsagent-cgroup");
  auto n = quiet();
  write_cgroup_v2(cgroup.path(), n);
  CaptureServer hooks;
  const std::string alerts =
      "[alerts]\npending = \"0s\"\nkeep_firing = \"0s\"\nstate_file = \"\"\n"
      "[[alerts.receivers]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"" +
      hooks.url() + "\"\nrules = [\"container_cpu\", \"container_memory\"]\ntimeout = \"2s\"\n";
  start_agent(agent_config("") + container_block(cgroup) + alerts, cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  ASSERT_TRUE(eventually([&] { return check("container:memory")["status"] == "pass"; }, 10s));
  auto health = body_json(get("/health"));
  EXPECT_EQ(health["container"]["source"], "cgroup v2");
  EXPECT_EQ(health["container"]["memory"]["limit_bytes"], 1024 * kMiB);
  EXPECT_EQ(health["container"]["cpu"]["quota_cores"], 1.0);
  EXPECT_EQ(check("container:memory")["affectsReadiness"], false);

  // Memory at 90% of the limit: a warning, the alert fires, readiness stays.
  n.memory_bytes = 922 * kMiB;
  write_cgroup_v2(cgroup.path(), n);
  ASSERT_TRUE(await_events(hooks, "ContainerMemoryHigh", {"firing"}));
  EXPECT_EQ(check("container:memory")["status"], "warn");
  EXPECT_EQ(get("/health/ready").status, 200);
  const auto metrics = get("/metrics").body;
  EXPECT_NE(metrics.find("opsagent_container_memory_limit_bytes 1073741824"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("opsagent_container_memory_usage_ratio 0.9"), std::string::npos);
  EXPECT_NE(metrics.find("opsagent_container_cpu_quota_cores 1"), std::string::npos);
  EXPECT_NE(metrics.find("opsagent_container_oom_kills_total 0"), std::string::npos);
  const auto status = get("/status").body;
  EXPECT_NE(status.find("container (cgroup v2 at " + cgroup.path().string()), std::string::npos)
      << status;
  EXPECT_NE(status.find("memory  HIGH"), std::string::npos) << status;

  // Back to 40%: resolved.
  n.memory_bytes = 410 * kMiB;
  n.oom_kills = 1;
  write_cgroup_v2(cgroup.path(), n);
  ASSERT_TRUE(await_events(hooks, "ContainerMemoryHigh", {"firing", "resolved"}));
  EXPECT_EQ(body_json(get("/health"))["container"]["memory"]["oom_kills"], 1);

  // CPU far above the quota: ContainerCpuHigh (critical), then resolved once it is idle again.
  {
    BusyCpu busy(cgroup.path(), n, 2);
    ASSERT_TRUE(await_events(hooks, "ContainerCpuHigh", {"firing"}));
    EXPECT_NE(check("container:cpu")["status"], "pass");
    EXPECT_EQ(get("/health/ready").status, 200);
    const auto firing = hooks.requests();
    bool critical = false;
    for (const auto& r : firing) {
      const auto j = nlohmann::json::parse(r.body, nullptr, false);
      if (j["alerts"][0]["labels"]["alertname"] == "ContainerCpuHigh") {
        critical = j["alerts"][0]["labels"]["severity"] == "critical";
      }
    }
    EXPECT_TRUE(critical);
    EXPECT_NE(get("/metrics").body.find("opsagent_container_cpu_throttled_periods_total"),
              std::string::npos);
  }
  ASSERT_TRUE(await_events(hooks, "ContainerCpuHigh", {"firing", "resolved"}));
  EXPECT_EQ(check("container:cpu")["status"], "pass");
}

TEST_F(ContainerTest, V1NotLimitedThenACriticalLimitGatesReadinessWhenAskedTo) {
  TempDir cgroup("opsagent-cgroup");
  auto n = quiet();
  n.cpu_quota_us.reset();
  n.memory_limit_bytes.reset();
  write_cgroup_v1(cgroup.path(), n);
  start_agent(agent_config("") + container_block(cgroup, "gates_readiness = true\n"),
              cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  ASSERT_TRUE(eventually(
      [&] { return body_json(get("/health"))["container"]["source"] == "cgroup v1"; }, 10s));
  const auto health = body_json(get("/health"));
  EXPECT_EQ(health["container"]["memory"]["limited"], false);
  EXPECT_TRUE(health["container"]["memory"]["limit_bytes"].is_null());
  EXPECT_EQ(check("container:memory")["output"].get<std::string>().rfind("not limited", 0), 0u)
      << check("container:memory");
  const auto metrics = get("/metrics").body;
  EXPECT_NE(metrics.find("opsagent_container_memory_limited 0"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("opsagent_container_memory_limit_bytes"), std::string::npos);
  EXPECT_EQ(metrics.find("opsagent_container_memory_usage_ratio"), std::string::npos);
  EXPECT_NE(get("/status").body.find("not limited"), std::string::npos);

  // A limit appears and memory is at 97% of it: critical, and this config gates readiness.
  n.memory_limit_bytes = 423 * kMiB;
  write_cgroup_v1(cgroup.path(), n);
  ASSERT_TRUE(wait_ready(503, 10s));
  EXPECT_NE(body_json(get("/health/ready"))["reason"].get<std::string>().find("container:memory"),
            std::string::npos);
  n.memory_bytes = 100 * kMiB;
  write_cgroup_v1(cgroup.path(), n);
  ASSERT_TRUE(wait_ready(200, 10s));
}

TEST_F(ContainerTest, AMissingCgroupRootIsShownAndNeverFailsReadiness) {
  TempDir cgroup("opsagent-cgroup");
  start_agent(agent_config("") + container_block(cgroup, "gates_readiness = true\n"),
              cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  ASSERT_TRUE(
      eventually([&] { return body_json(get("/health"))["container"]["source"] == "none"; }, 10s));
  EXPECT_NE(body_json(get("/health"))["container"]["note"].get<std::string>().find(
                cgroup.path().string()),
            std::string::npos);
  EXPECT_TRUE(agent_->wait_for_log("container: no cgroup to read", 5s));
}

}  // namespace
}  // namespace opsagent::testing
