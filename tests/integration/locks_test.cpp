// Lock queues end to end (issue 17 part 3) and wait events (part 5), in a real Postgres: the
// deploy that takes an app down, an ALTER TABLE waiting for its AccessExclusiveLock behind a
// session idle in a transaction, with the app's reads queued behind the ALTER. The test holds
// every session itself; the agent must name the migration, its blocker and the queue in /status,
// warn in /health, fire PostgresLockQueue, and drop it all once the blocker ends.
#include <libpq-fe.h>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/capture_server.hpp"

namespace opsagent::testing {
namespace {

using Requests = std::vector<CaptureServer::Request>;

constexpr int kQueued = 5;

// "firing:warning" / "resolved:warning" for each PostgresLockQueue notification, in order, with
// its summary.
std::vector<std::pair<std::string, std::string>> lock_alerts(const Requests& requests) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : requests) {
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) continue;
    for (const auto& a : j["alerts"]) {
      if (a["labels"]["alertname"] != "PostgresLockQueue") continue;
      out.emplace_back(j["notification"]["kind"].get<std::string>(),
                       a["annotations"].value("summary", std::string()));
    }
  }
  return out;
}

// The text with every run of white space as one space: /status wraps its lines.
std::string one_line(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const bool space = c == ' ' || c == '\n';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return out;
}

bool has_kind(const std::vector<std::pair<std::string, std::string>>& alerts,
              const std::string& kind) {
  return std::ranges::any_of(alerts, [&](const auto& a) { return a.first == kind; });
}

// Sends `sql` without waiting for its answer: the session then waits on the server.
void send(HeldConnection& c, const std::string& sql) {
  ASSERT_EQ(PQsendQuery(c.native(), sql.c_str()), 1) << PQerrorMessage(c.native());
}

// Reads the answer of a statement sent with send(), bounded; true when it arrived.
bool finish(HeldConnection& c, std::chrono::milliseconds timeout) {
  PGconn* conn = c.native();
  const bool done = eventually(
      [&] {
        if (PQconsumeInput(conn) == 0) return true;  // broken: nothing more will come
        return PQisBusy(conn) == 0;
      },
      timeout, 10ms);
  if (!done) return false;
  while (PGresult* r = PQgetResult(conn)) PQclear(r);
  return true;
}

class LocksTest : public AgentTest {
 protected:
  void SetUp() override {
    PgCluster::Options options;
    options.max_connections = 30;
    // Every statement in the server log: the blocking tree's must appear only while sessions wait.
    options.extra_conf = {"log_statement = 'all'"};
    cluster_ = std::make_unique<PgCluster>(options);
    cluster_->exec(
        "CREATE TABLE permits (id int PRIMARY KEY, status text); ALTER TABLE permits OWNER TO app;"
        "INSERT INTO permits VALUES (7, 'open');");
  }

  std::unique_ptr<HeldConnection> connect_as(const std::string& application_name) {
    return cluster_->connect(cluster_->app_dsn() + "?application_name=" + application_name);
  }

  // Sessions waiting for a lock, as the server sees them now.
  int lock_waiters() {
    return std::stoi(cluster_->query_value(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"));
  }

  // How many times the agent sent the blocking tree's statement so far.
  std::size_t tree_reads() const {
    const std::string log = cluster_->server_log();
    std::size_t n = 0;
    for (auto at = log.find("pg_blocking_pids(a.pid)"); at != std::string::npos;
         at = log.find("pg_blocking_pids(a.pid)", at + 1)) {
      ++n;
    }
    return n;
  }

  nlohmann::json locks() { return body_json(get("/health")).value("locks", nlohmann::json{}); }

  std::unique_ptr<PgCluster> cluster_;
};

TEST_F(LocksTest, StuckMigrationIsNamedWarnedAlertedAndClearedWhenTheBlockerEnds) {
  CaptureServer hooks;
  const std::string config =
      agent_config("", {}, "") +
      "[locks]\nalert_after = \"1s\"\nalert_queued = 0\n"
      "[alerts]\npending = \"0s\"\nkeep_firing = \"0s\"\nstate_file = \"\"\nlock_waiters = 0\n"
      "[[alerts.receivers]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"" +
      hooks.url() + "\"\nrules = [\"lock_queue\"]\ntimeout = \"2s\"\n";
  start_agent(config, cluster_->app_dsn());
  ASSERT_TRUE(wait_ready(200, 15s));
  ASSERT_TRUE(eventually([&] { return health_check("postgres:locks")["status"] == "pass"; }, 10s))
      << get("/health").body;
  EXPECT_EQ(locks()["waiting"], 0);
  EXPECT_TRUE(locks()["queues"].empty());
  // A steady cycle sends no tree statement.
  ASSERT_TRUE(wait_for_cycles(3, 10s));
  EXPECT_EQ(tree_reads(), 0U);

  // The blocker: a web worker that read the table and left its transaction open; its statement
  // holds a literal that must never be shown.
  auto blocker = connect_as("web:4567");
  blocker->exec("BEGIN");
  blocker->exec("SELECT * FROM permits WHERE status = 'tok_SECRET_4f2a'");
  const int blocker_pid = blocker->backend_pid();
  // The migration, queued for its AccessExclusiveLock; then the app's reads behind it.
  auto migration = connect_as("migrate");
  send(*migration, "ALTER TABLE permits ADD COLUMN inspector_id bigint");
  const int migration_pid = migration->backend_pid();
  ASSERT_TRUE(eventually([&] { return lock_waiters() == 1; }, 10s));
  std::vector<std::unique_ptr<HeldConnection>> readers;
  for (int i = 0; i < kQueued; ++i) {
    readers.push_back(connect_as("web:" + std::to_string(5000 + i)));
    send(*readers.back(), "SELECT count(*) FROM permits");
  }
  // A session asleep: its wait event is Timeout/PgSleep.
  auto sleeper = connect_as("cron");
  send(*sleeper, "SELECT pg_sleep(120)");
  ASSERT_TRUE(eventually([&] { return lock_waiters() == 1 + kQueued; }, 10s));

  // The tree: the blocker first, the ALTER as the head, every reader behind the ALTER.
  ASSERT_TRUE(eventually(
      [&] {
        const auto l = locks();
        return l.value("waiting", 0) == 1 + kQueued && l["queues"].size() == 1 &&
               l["queues"][0]["sessions"].size() == 2 + kQueued;
      },
      15s))
      << get("/health").body;
  const auto queue = locks()["queues"][0];
  EXPECT_EQ(queue["root_pid"], blocker_pid);
  EXPECT_EQ(queue["head_pid"], migration_pid);
  EXPECT_EQ(queue["waiting"], 1 + kQueued);
  const auto& sessions = queue["sessions"];
  EXPECT_EQ(sessions[0]["pid"], blocker_pid);
  EXPECT_EQ(sessions[0]["state"], "idle in transaction");
  EXPECT_EQ(sessions[0]["application_name"], "web:4567");
  EXPECT_EQ(sessions[0]["query"], "SELECT * FROM permits WHERE status = '?'");
  EXPECT_EQ(sessions[1]["pid"], migration_pid);
  EXPECT_EQ(sessions[1]["depth"], 1);
  EXPECT_EQ(sessions[1]["behind"], kQueued);
  EXPECT_EQ(sessions[1]["wait_mode"], "AccessExclusiveLock");
  EXPECT_EQ(sessions[1]["wait_target"], "permits");
  for (int i = 2; i < 2 + kQueued; ++i) {
    EXPECT_EQ(sessions[i]["depth"], 2) << sessions[i];
    EXPECT_EQ(sessions[i]["wait_mode"], "AccessShareLock") << sessions[i];
    EXPECT_EQ(sessions[i]["blocked_by"], nlohmann::json::array({migration_pid})) << sessions[i];
  }

  // /status says it in one line, and the check warns without taking the agent out of rotation.
  ASSERT_TRUE(eventually([&] { return !lock_alerts(hooks.requests()).empty(); }, 20s))
      << get("/health").body;
  const std::string status = one_line(get("/status").body);
  const std::string summary_start = "ALTER TABLE permits ADD COLUMN inspector_id bigint (pid " +
                                    std::to_string(migration_pid) + ", migrate) waiting ";
  EXPECT_NE(status.find(summary_start), std::string::npos) << status;
  EXPECT_NE(status.find("for AccessExclusiveLock on permits behind pid " +
                        std::to_string(blocker_pid) + " (idle in transaction "),
            std::string::npos)
      << status;
  EXPECT_NE(status.find("web:4567); 5 sessions queued behind it"), std::string::npos) << status;
  EXPECT_EQ(status.find("tok_SECRET"), std::string::npos) << status;
  EXPECT_NE(status.find("Timeout/PgSleep 1"), std::string::npos) << status;
  const auto check = health_check("postgres:locks");
  EXPECT_EQ(check["status"], "warn") << check;
  EXPECT_EQ(check["affectsReadiness"], false) << check;
  EXPECT_EQ(get("/health/ready").status, 200);
  const std::string metrics = get("/metrics").body;
  EXPECT_NE(metrics.find("opsagent_lock_queue_sessions 6"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("opsagent_lock_queues 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("opsagent_postgres_active_sessions_by_wait_event{wait_event=\"PgSleep\","
                         "wait_event_type=\"Timeout\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("opsagent_postgres_active_sessions_by_wait_event{wait_event=\"relation\","
                         "wait_event_type=\"Lock\"} 6"),
            std::string::npos)
      << metrics;
  const auto fired = lock_alerts(hooks.requests());
  ASSERT_TRUE(has_kind(fired, "firing")) << hooks.requests().front().body;
  EXPECT_NE(fired.front().second.find("lock queue: " + summary_start), std::string::npos)
      << fired.front().second;
  EXPECT_NE(fired.front().second.find("5 sessions queued behind it"), std::string::npos)
      << fired.front().second;

  // The blocker ends its transaction: the ALTER and the reads go through, the tree is gone and
  // the alert resolves.
  blocker->exec("ROLLBACK");
  ASSERT_TRUE(finish(*migration, 10s));
  for (auto& r : readers) ASSERT_TRUE(finish(*r, 10s));
  ASSERT_TRUE(eventually(
      [&] {
        return health_check("postgres:locks")["status"] == "pass" && locks()["waiting"] == 0 &&
               locks()["queues"].empty();
      },
      15s))
      << get("/health").body;
  ASSERT_TRUE(hooks.wait_until(
      [&](const Requests& r) { return has_kind(lock_alerts(r), "resolved"); }, 20s));
  EXPECT_EQ(get("/status").body.find("waiting for AccessExclusiveLock"), std::string::npos);
  // Steady again: no more tree statements.
  EXPECT_GT(tree_reads(), 0U);
  const std::size_t reads = tree_reads();
  ASSERT_TRUE(wait_for_cycles(3, 10s));
  EXPECT_EQ(tree_reads(), reads);
  EXPECT_NE(get("/metrics").body.find("opsagent_lock_queue_sessions 0"), std::string::npos);
}

}  // namespace
}  // namespace opsagent::testing
