#include "probes/model/connection_hygiene.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

config::PoolSection pool() {
  config::PoolSection p;
  p.clients = {{.name = "web",
                .application_name = "web:*",
                .instances = 4,
                .pool_max = 20,
                .via_pgbouncer = false},
               {.name = "cron",
                .application_name = "cron",
                .instances = 1,
                .pool_max = 5,
                .via_pgbouncer = false},
               {.name = "jobs",
                .application_name = "job-*-w",
                .instances = 2,
                .pool_max = 5,
                .via_pgbouncer = false}};
  p.idle_in_transaction_warn = config::Duration(60000);
  return p;
}

ActivityRow row(std::string app, std::string addr, std::string state, int n,
                std::optional<double> oldest_backend = 100, std::vector<double> iit = {}) {
  ActivityRow r;
  r.application_name = std::move(app);
  r.client_addr = std::move(addr);
  r.state = std::move(state);
  count_state(r.counts, r.state, n);
  r.oldest_backend_s = oldest_backend;
  r.idle_in_xact_ages = std::move(iit);
  return r;
}

ActivitySnapshot activity(std::vector<ActivityRow> rows, std::string own = "10.0.0.5") {
  ActivitySnapshot a = aggregate_activity(rows);
  a.rows = std::move(rows);
  a.own_client_addr = std::move(own);
  return a;
}

TEST(WorkerPid, TheStarsPartWhenItIsANumber) {
  EXPECT_EQ(worker_pid("web:*", "web:1234"), 1234);
  EXPECT_EQ(worker_pid("job-*-w", "job-77-w"), 77);
  EXPECT_EQ(worker_pid("w?:*", "w1:9"), 9);
  EXPECT_EQ(worker_pid("*", "4242"), 4242);
}

TEST(WorkerPid, NothingWhenTheNameNamesNoPid) {
  EXPECT_FALSE(worker_pid("web:*", "web:"));             // empty part
  EXPECT_FALSE(worker_pid("web:*", "web:abc"));          // not a number
  EXPECT_FALSE(worker_pid("web:*", "web:12a"));          // not only digits
  EXPECT_FALSE(worker_pid("web:*", "web:-3"));           // negative
  EXPECT_FALSE(worker_pid("web:*", "web:0"));            // no process 0
  EXPECT_FALSE(worker_pid("web:*", "web:007"));          // not as a PID is written
  EXPECT_FALSE(worker_pid("web:*", "web:99999999999"));  // past int
  EXPECT_FALSE(worker_pid("web:*", "cron:12"));          // does not match
  EXPECT_FALSE(worker_pid("cron", "cron"));              // no '*'
  EXPECT_FALSE(worker_pid("*:*", "web:12"));             // two '*': ambiguous
}

TEST(FromAgentHost, SameAddressOrUnixSocket) {
  EXPECT_TRUE(from_agent_host("10.0.0.5", "10.0.0.5"));
  EXPECT_TRUE(from_agent_host("local", "10.0.0.5"));
  EXPECT_TRUE(from_agent_host("local", "local"));
  EXPECT_FALSE(from_agent_host("10.0.0.6", "10.0.0.5"));  // the old deployment's container
  EXPECT_FALSE(from_agent_host("127.0.0.1", "local"));
  EXPECT_FALSE(from_agent_host("", ""));  // address hidden from the agent's role
}

TEST(AssessHygiene, ASessionOfADeadWorkerFromTheAgentsHostIsLeaked) {
  const auto a = activity({row("web:100", "10.0.0.5", "idle", 2, 300),
                           row("web:100", "10.0.0.5", "active", 1, 50),
                           row("web:200", "10.0.0.5", "idle", 3, 400)});
  const auto h = assess_hygiene(a, pool(), std::set<int>{1, 200});
  ASSERT_TRUE(h.leaks_checked);
  ASSERT_EQ(h.leaked.size(), 1u);
  EXPECT_EQ(h.leaked[0].application_name, "web:100");
  EXPECT_EQ(h.leaked[0].client, "web");
  EXPECT_EQ(h.leaked[0].worker_pid, 100);
  EXPECT_EQ(h.leaked[0].sessions, 3);
  EXPECT_EQ(h.leaked[0].oldest_s, 300);
  EXPECT_EQ(h.leaked_sessions, 3);
}

TEST(AssessHygiene, ADeploysOtherContainerAndUndeclaredOrPidlessNamesAreNotLeaked) {
  const auto a = activity({row("web:100", "10.0.0.6", "idle", 5),    // old deployment
                           row("other:100", "10.0.0.5", "idle", 1),  // not declared
                           row("cron", "local", "idle", 1),          // no PID in the name
                           row("web:abc", "local", "idle", 1)});
  const auto h = assess_hygiene(a, pool(), std::set<int>{1});
  EXPECT_TRUE(h.leaks_checked);
  EXPECT_TRUE(h.leaked.empty());
  EXPECT_EQ(h.leaked_sessions, 0);
}

TEST(AssessHygiene, ClientsThroughPgBouncerAreNeverLeaked) {
  auto p = pool();
  p.clients[0].via_pgbouncer = true;
  const auto a = activity({row("web:100", "local", "idle", 1)});
  EXPECT_TRUE(assess_hygiene(a, p, std::set<int>{}).leaked.empty());
}

TEST(AssessHygiene, UnixSocketSessionsCountAsTheAgentsHost) {
  const auto a = activity({row("web:100", "local", "idle", 1)}, "10.0.0.5");
  EXPECT_EQ(assess_hygiene(a, pool(), std::set<int>{}).leaked.size(), 1u);
}

TEST(AssessHygiene, WithoutLivePidsNoLeakIsLookedFor) {
  const auto a = activity({row("web:100", "10.0.0.5", "idle", 2)});
  const auto h = assess_hygiene(a, pool(), std::nullopt);
  EXPECT_FALSE(h.leaks_checked);
  EXPECT_TRUE(h.leaked.empty());
  const auto checks = hygiene_checks(h);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].name, "pool:idle_in_transaction");
}

TEST(AssessHygiene, IdleInTransactionPerClientAgainstTheWarnLimit) {
  const auto a = activity({row("web:1", "x", "idle in transaction", 2, 500, {10, 61}),
                           row("web:2", "x", "idle in transaction (aborted)", 1, 500, {120}),
                           row("cron", "x", "idle", 1),
                           row("undeclared", "x", "idle in transaction", 1, 500, {999})});
  const auto h = assess_hygiene(a, pool(), std::nullopt);
  ASSERT_EQ(h.idle_in_transaction.size(), 3u);
  EXPECT_EQ(
      h.idle_in_transaction[0],
      (ClientIdleInTransaction{.client = "web", .sessions = 3, .past_warn = 2, .oldest_s = 120}));
  EXPECT_EQ(
      h.idle_in_transaction[1],
      (ClientIdleInTransaction{.client = "cron", .sessions = 0, .past_warn = 0, .oldest_s = {}}));
  const auto checks = hygiene_checks(h);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].status, CheckStatus::warn);
  EXPECT_FALSE(checks[0].gates_readiness);
  EXPECT_EQ(checks[0].observed_value, 2);
  EXPECT_NE(checks[0].message.find("web: 2"), std::string::npos) << checks[0].message;
}

TEST(HygieneChecks, LeakedWarnsWithTheAgeAndNeverGates) {
  const auto a = activity({row("web:100", "local", "idle", 2, 3661)});
  const auto checks = hygiene_checks(assess_hygiene(a, pool(), std::set<int>{}));
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].name, "pool:leaked");
  EXPECT_EQ(checks[0].status, CheckStatus::warn);
  EXPECT_FALSE(checks[0].gates_readiness);
  EXPECT_NE(checks[0].message.find("web:100 (2 sessions, oldest 1h01m)"), std::string::npos)
      << checks[0].message;
  EXPECT_EQ(checks[1].status, CheckStatus::pass);
}

TEST(LeakConfirmation, ALeakIsReportedFromItsSecondCycle) {
  const auto a = activity({row("web:100", "local", "idle", 2), row("web:300", "local", "idle", 1)});
  LeakConfirmation confirmation;
  auto first = assess_hygiene(a, pool(), std::set<int>{300});
  confirmation.confirm(first);
  EXPECT_TRUE(first.leaked.empty());
  EXPECT_EQ(first.leaked_sessions, 0);
  auto second = assess_hygiene(a, pool(), std::set<int>{});  // 300 gone now: new candidate
  confirmation.confirm(second);
  ASSERT_EQ(second.leaked.size(), 1u);
  EXPECT_EQ(second.leaked[0].application_name, "web:100");
  EXPECT_EQ(second.leaked_sessions, 2);
  auto third = assess_hygiene(activity({}), pool(), std::set<int>{});  // closed
  confirmation.confirm(third);
  EXPECT_TRUE(third.leaked.empty());
}

}  // namespace
}  // namespace opsagent::probes
