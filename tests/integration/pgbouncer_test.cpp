// Behind PgBouncer (Debian's 1.18, started by each test): the agent never leaves state on a
// server connection the app uses next, shows the pooler's queue, blames a full queue on the
// pooler and adds the app's pools up in two lines.
#include <libpq-fe.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/capture_server.hpp"
#include "tests/support/pgbouncer.hpp"

namespace opsagent::testing {
namespace {

// What an app-like client sees on a server connection: every setting the agent uses, and
// whether any advisory lock is held by someone other than `except_pid`.
struct SessionView {
  std::string read_only, statement_timeout, lock_timeout;
};

SessionView view_through(const std::string& dsn) {
  auto c = HeldConnection::open(dsn);
  SessionView v;
  v.read_only = c->query_value("SELECT current_setting('default_transaction_read_only')");
  v.statement_timeout = c->query_value("SELECT current_setting('statement_timeout')");
  v.lock_timeout = c->query_value("SELECT current_setting('lock_timeout')");
  return v;
}

std::string webhook(const CaptureServer& capture) {
  return "[[alerts.receivers]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"" + capture.url() +
         "\"\ntimeout = \"2s\"\n";
}

constexpr const char* kMarker = R"(
[[readiness.migrations]]
name = "marker"
query = "SELECT count(*) >= 0 FROM pg_catalog.pg_class"
)";

int advisory_locks(const PgCluster& cluster) {
  return std::stoi(
      cluster.query_value("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"));
}

// A follower that leaves the leader's lease out: its connections check says the last full read
// of pg_stat_activity stands (no session in a transaction), and it counts no session idle in
// a transaction (the lease is the only one there is).
bool leaves_the_lease_out(const AgentProcess& agent) {
  const auto health = body_json(agent.get("/health"));
  const auto checks = health.value(nlohmann::json::json_pointer("/checks/postgres:connections"),
                                   nlohmann::json::array());
  const auto idle_in_transaction =
      health.value(nlohmann::json::json_pointer("/connections/sessions/idle_in_transaction"), -1);
  return !checks.empty() &&
         checks[0].value("output", "").find("sessions as read") != std::string::npos &&
         idle_in_transaction == 0;
}

// How long ago the agent's last full read of pg_stat_activity was, as its connections check says
// while that read stands; nullopt while it reads in full every cycle.
std::optional<int> seconds_since_full_read(const AgentProcess& agent) {
  const auto checks = body_json(agent.get("/health"))
                          .value(nlohmann::json::json_pointer("/checks/postgres:connections"),
                                 nlohmann::json::array());
  if (checks.empty()) return std::nullopt;
  const std::string output = checks[0].value("output", "");
  const std::string_view marker = "sessions as read ";
  const auto at = output.find(marker);
  if (at == std::string::npos) return std::nullopt;
  return std::atoi(output.c_str() + at + marker.size());
}

bool leads(const AgentProcess& agent) {
  return agent.get("/status").body.find("alerts: leader") != std::string::npos;
}

// The lease: one session idle in a transaction holding the advisory lock (between the leader's
// lease checks, every 200 ms, which make it active for a moment).
bool lease_held(const PgCluster& cluster) {
  return cluster.query_value(
             "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in "
             "transaction' AND pid = (SELECT pid FROM pg_locks WHERE "
             "locktype = 'advisory')") == "1";
}

// The agent with its DATABASE_URL through `bouncer`, a query marker, and alerts (so that it
// takes leadership), ready.
class PooledAgentTest : public AgentTest {
 protected:
  void start_through(const PgBouncer& bouncer, const CaptureServer& capture) {
    start_agent(
        agent_config("expected_tables = [\"pg_catalog.pg_class\"]\n" + std::string(kMarker)) +
            "[alerts]\nstate_file = \"\"\n" + webhook(capture),
        bouncer.app_dsn());
    ASSERT_TRUE(wait_ready(200, 15s));
  }
};

class PgBouncerModeTest : public PooledAgentTest,
                          public ::testing::WithParamInterface<const char*> {};

// The regression test of the leak: many cycles (query markers included) and leadership through
// the pooler, then an app client on the same small pool sees every setting at its default on
// every server connection, and once the agent is gone no advisory lock remains.
TEST_P(PgBouncerModeTest, LeavesNoSessionStateOnTheAppsServerConnections) {
  PgCluster cluster;
  PgBouncer bouncer(cluster, {.pool_mode = GetParam(), .default_pool_size = 3});
  CaptureServer capture;
  start_through(bouncer, capture);
  ASSERT_TRUE(eventually(
      [&] { return get("/status").body.find("alerts: leader") != std::string::npos; }, 15s))
      << get("/status").body;
  ASSERT_TRUE(wait_for_cycles(15, 20s));
  const auto health = body_json(get("/health"));
  EXPECT_EQ(health["via_pooler"], true);
  EXPECT_NE(get("/status").body.find("goes through a pooler"), std::string::npos);
  // The leader holds exactly one lock, in an open transaction (the lease), not a session lock.
  EXPECT_EQ(advisory_locks(cluster), 1);
  EXPECT_TRUE(eventually([&] { return lease_held(cluster); }, 5s));

  // While the agent runs: a few app clients in turn, landing on the pool's server connections.
  for (int i = 0; i < 6; ++i) {
    const auto v = view_through(bouncer.app_dsn());
    EXPECT_EQ(v.read_only, "off");
    EXPECT_EQ(v.statement_timeout, "0");
    EXPECT_EQ(v.lock_timeout, "0");
  }
  agent_->signal(SIGKILL);
  ASSERT_TRUE(agent_->wait_exit(10s).has_value());
  // The lease ends with the agent's client connection: no lock stays with a server connection.
  EXPECT_TRUE(eventually([&] { return advisory_locks(cluster) == 0; }, 10s))
      << advisory_locks(cluster);
  for (int i = 0; i < 6; ++i) {
    const auto v = view_through(bouncer.app_dsn());
    EXPECT_EQ(v.read_only, "off");
    EXPECT_EQ(v.statement_timeout, "0");
    EXPECT_EQ(v.lock_timeout, "0");
  }
}

INSTANTIATE_TEST_SUITE_P(PoolModes, PgBouncerModeTest, ::testing::Values("transaction", "session"));

// Two agents through one pooler: the follower learns which backend holds the leader's lease (an
// open transaction, for as long as the leader leads) and leaves it out as the leader does, so
// its pulse, no longer seeing a transaction every cycle, lets the last full read stand.
TEST_F(PooledAgentTest, TheFollowerLeavesTheLeadersLeaseOutAsTheLeaderDoes) {
  PgCluster cluster;
  PgBouncer bouncer(cluster, {.pool_mode = "transaction", .default_pool_size = 5});
  CaptureServer capture;
  start_through(bouncer, capture);
  ASSERT_TRUE(eventually([&] { return leads(*agent_); }, 15s)) << get("/status").body;
  auto leader = std::move(agent_);
  start_through(bouncer, capture);
  ASSERT_TRUE(eventually(
      [&] { return get("/status").body.find("alerts: follower") != std::string::npos; }, 15s))
      << get("/status").body;
  ASSERT_TRUE(eventually([&] { return lease_held(cluster); }, 5s));

  EXPECT_TRUE(eventually([&] { return leaves_the_lease_out(*agent_); }, 20s))
      << get("/health").body;
  EXPECT_TRUE(leader->running());
}

// The lease moves when the leader dies: a follower that knew the old one sees the new lease as a
// session in a transaction, doubts what it knew and finds the new holder, well before its
// once-a-minute re-read.
TEST_F(PooledAgentTest, AFollowerFindsTheNewLeaseWhenTheLeaderChanges) {
  PgCluster cluster;
  PgBouncer bouncer(cluster, {.pool_mode = "transaction", .default_pool_size = 6});
  CaptureServer capture;
  start_through(bouncer, capture);
  ASSERT_TRUE(eventually([&] { return leads(*agent_); }, 15s)) << get("/status").body;
  auto first = std::move(agent_);
  start_through(bouncer, capture);
  auto second = std::move(agent_);
  start_through(bouncer, capture);
  ASSERT_TRUE(eventually(
      [&] { return leaves_the_lease_out(*second) && leaves_the_lease_out(*agent_); }, 20s))
      << get("/health").body;

  first->signal(SIGKILL);  // PgBouncer closes its server connections: the lease ends
  ASSERT_TRUE(first->wait_exit(5s).has_value());
  ASSERT_TRUE(eventually([&] { return leads(*second) || leads(*agent_); }, 15s));
  const AgentProcess& follower = leads(*second) ? *agent_ : *second;
  ASSERT_TRUE(eventually([&] { return lease_held(cluster); }, 5s));
  const auto new_lease_at = std::chrono::steady_clock::now();
  // The first leader's sessions went: the follower reads in full (within the 5 s of its status
  // pulse), and then lets a read made after the new lease was taken stand, that lease left out.
  EXPECT_TRUE(eventually(
      [&] {
        const auto ago = seconds_since_full_read(follower);
        const double since_lease =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - new_lease_at).count();
        return ago && *ago + 1 < since_lease && leaves_the_lease_out(follower);
      },
      25s))
      << follower.get("/health").body;
}

// Statement pooling refuses the leadership transaction: the agent still probes (no multi-
// statement transactions in its cycle), says why leadership is off, and every agent sends.
TEST_F(PooledAgentTest, StatementPoolingProbesAndExplainsLeadership) {
  PgCluster cluster;
  PgBouncer bouncer(cluster, {.pool_mode = "statement", .default_pool_size = 3});
  CaptureServer capture;
  start_through(bouncer, capture);
  ASSERT_TRUE(eventually(
      [&] { return get("/status").body.find("statement mode") != std::string::npos; }, 15s))
      << get("/status").body;
  ASSERT_TRUE(wait_for_cycles(5, 10s));
  EXPECT_EQ(get("/health/ready").status, 200);
  const auto v = view_through(bouncer.app_dsn());
  EXPECT_EQ(v.read_only, "off");
  EXPECT_EQ(v.statement_timeout, "0");
}

class PgBouncerQueueTest : public AgentTest {
 protected:
  // `n` clients through PgBouncer, each inside an open transaction: they hold the pool's
  // server connections.
  void hold_servers(PgBouncer& bouncer, int n) {
    for (int i = 0; i < n; ++i) {
      holders_.push_back(HeldConnection::open(bouncer.app_dsn()));
      holders_.back()->exec("BEGIN; SELECT 1");
    }
  }
  // `n` clients that send a query and wait in PgBouncer's queue.
  void queue_clients(PgBouncer& bouncer, int n) {
    for (int i = 0; i < n; ++i) {
      waiters_.push_back(HeldConnection::open(bouncer.app_dsn()));
      ASSERT_EQ(PQsendQuery(waiters_.back()->native(), "SELECT 1"), 1);
    }
  }
  std::vector<std::unique_ptr<HeldConnection>> holders_;
  std::vector<std::unique_ptr<HeldConnection>> waiters_;
};

// The recommended layout: the agent probes Postgres directly and reads the queue from the admin
// console. The exact numbers the test arranges, the alert fires and resolves, readiness stays.
TEST_F(PgBouncerQueueTest, ShowsTheQueueAlertsAndStaysReady) {
  PgCluster cluster;
  PgBouncer bouncer(cluster, {.pool_mode = "transaction", .default_pool_size = 2});
  CaptureServer capture;
  const std::string pools = R"(
[pool]
[[pool.clients]]
name = "web"
application_name = "web:*"
instances = 4
pool_max = 20
via_pgbouncer = true
)";
  start_agent(agent_config("", {}, "[pgbouncer]\ndsn_env = \"PGBOUNCER_URL\"\n") + pools +
                  "[alerts]\npending = \"0s\"\nkeep_firing = \"0s\"\nstate_file = \"\"\n" +
                  webhook(capture),
              cluster.app_dsn(), {{"PGBOUNCER_URL", bouncer.admin_dsn()}});
  ASSERT_TRUE(wait_ready(200, 15s));
  hold_servers(bouncer, 2);
  queue_clients(bouncer, 3);
  nlohmann::json pool;
  ASSERT_TRUE(eventually(
      [&] {
        const auto health = body_json(get("/health"));
        for (const auto& p : health["pgbouncer"]["pools"]) {
          if (p["database"] == "app" && p["cl_waiting"] == 3) {
            pool = p;
            return true;
          }
        }
        return false;
      },
      15s))
      << get("/health").body;
  EXPECT_EQ(pool["sv_active"], 2);
  EXPECT_EQ(pool["cl_active"], 2);
  EXPECT_EQ(pool["pool_size"], 2);
  EXPECT_EQ(pool["pool_mode"], "transaction");
  const auto health = body_json(get("/health"));
  const auto& check = health["checks"]["pgbouncer:pools"][0];
  EXPECT_EQ(check["status"], "warn");
  EXPECT_EQ(check["affectsReadiness"], false);
  EXPECT_EQ(check["errorClass"], "pooler_saturated");
  // Two lines, no false alarm: 4×20 = 80 ≤ 100 client connections, 1×(2+0) server side.
  EXPECT_EQ(health["pool"]["budget"]["fits"], true) << health["pool"];
  EXPECT_NE(health["pool"]["budget"]["pooler_arithmetic"].get<std::string>().find(
                "4×20 (web) = 80 ≤ 100 PgBouncer max_client_conn"),
            std::string::npos)
      << health["pool"];
  EXPECT_NE(health["pool"]["budget"]["arithmetic"].get<std::string>().find(
                "PgBouncer's server side 1×(2+0) (app) = 2 ≤ 17 usable slots"),
            std::string::npos)
      << health["pool"];
  EXPECT_EQ(get("/health/ready").status, 200);
  const auto status = get("/status").body;
  EXPECT_NE(status.find("app/app"), std::string::npos) << status;
  EXPECT_NE(status.find("!! QUEUE"), std::string::npos) << status;
  const auto metrics = get("/metrics").body;
  EXPECT_NE(
      metrics.find(R"(opsagent_pgbouncer_clients{database="app",state="waiting",user="app"} 3)"),
      std::string::npos)
      << metrics;

  ASSERT_TRUE(capture.wait_until(
      [](const auto& r) {
        for (const auto& q : r) {
          if (q.body.find("PgBouncerClientsWaiting") != std::string::npos) return true;
        }
        return false;
      },
      15s));
  holders_.clear();  // the waiters get their server connections
  ASSERT_TRUE(eventually(
      [&] { return body_json(get("/health"))["pgbouncer"]["clients_waiting"] == 0; }, 15s));
  ASSERT_TRUE(capture.wait_until(
      [](const auto& r) {
        for (const auto& q : r) {
          if (q.body.find("PgBouncerClientsWaiting") != std::string::npos &&
              q.body.find("\"resolved\"") != std::string::npos) {
            return true;
          }
        }
        return false;
      },
      15s));
}

// The agent's own probe through a full pooler: its query waits in the queue. That is pooler
// saturation (a warning, with its own error class), never "the server did not answer"; with
// readiness.on_pressure = "not_ready" it turns the agent not ready.
class PgBouncerPressureTest : public PgBouncerQueueTest,
                              public ::testing::WithParamInterface<const char*> {};

TEST_P(PgBouncerPressureTest, AFullQueueIsPoolerSaturationNotAnOutage) {
  const std::string rule = GetParam();
  PgCluster cluster;
  PgBouncer bouncer(cluster, {.pool_mode = "transaction", .default_pool_size = 2});
  start_agent(
      agent_config("expected_tables = [\"pg_catalog.pg_class\"]\non_pressure = \"" + rule + "\"\n",
                   {.interval = "200ms", .connect_timeout = "1s", .statement_timeout = "1s"},
                   "[pgbouncer]\ndsn_env = \"PGBOUNCER_URL\"\n"),
      bouncer.app_dsn(), {{"PGBOUNCER_URL", bouncer.admin_dsn()}});
  ASSERT_TRUE(wait_ready(200, 15s));
  hold_servers(bouncer, 2);
  nlohmann::json check;
  ASSERT_TRUE(eventually(
      [&] {
        check = body_json(get("/health"))["checks"]["postgres:connection"][0];
        return check["errorClass"] == "pooler_saturated";
      },
      20s))
      << get("/health").body;
  EXPECT_NE(check["output"].get<std::string>().find("PgBouncer's queue"), std::string::npos)
      << check;
  if (rule == "warn") {
    EXPECT_EQ(check["status"], "warn");
    EXPECT_EQ(get("/health/ready").status, 200);
    const auto tables = body_json(get("/health"))["checks"]["schema:tables"][0];
    EXPECT_EQ(tables["status"], "pass");
    EXPECT_NE(tables["output"].get<std::string>().find("as verified"), std::string::npos);
  } else {
    EXPECT_TRUE(wait_ready(503, 10s));
  }
  EXPECT_EQ(agent_->log().find("the server did not answer"), std::string::npos);
  holders_.clear();
  EXPECT_TRUE(eventually(
      [&] {
        return body_json(get("/health"))["checks"]["postgres:connection"][0]["status"] == "pass";
      },
      15s));
  EXPECT_TRUE(wait_ready(200, 10s));
}

INSTANTIATE_TEST_SUITE_P(Rules, PgBouncerPressureTest, ::testing::Values("warn", "not_ready"));

}  // namespace
}  // namespace opsagent::testing
