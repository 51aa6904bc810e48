// The probe loop's pure steps: assembling a cycle's Snapshot, how long a cycle waits for the
// app's checks, what the loop remembers across cycles, and the jittered wait between cycles.
#include <gtest/gtest.h>

#include <random>

#include "probes/cycle_memory.hpp"
#include "probes/cycle_snapshot.hpp"
#include "probes/probe_loop.hpp"

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;

CheckResult check(std::string name, CheckStatus status, bool gates = true) {
  CheckResult c;
  c.name = std::move(name);
  c.status = status;
  c.gates_readiness = gates;
  c.message = c.name + " says so";
  return c;
}

std::vector<std::string> names(const std::vector<CheckResult>& checks) {
  std::vector<std::string> out;
  out.reserve(checks.size());
  for (const auto& c : checks) out.push_back(c.name);
  return out;
}

ActivitySnapshot activity(int used, int usable) {
  ActivitySnapshot a;
  count_state(a.sessions, "idle", used);
  a.usable_slots = usable;
  return a;
}

// A pool report declaring one client, "web", seen (or not) connecting.
PoolReport pool_with_client(bool connected, bool fits = true) {
  PoolReport report;
  ClientPoolUse web;
  web.name = "web";
  web.pattern = "web:*";
  web.instances = 2;
  if (connected) web.per_instance.push_back({});
  report.clients.push_back(web);
  report.budget.fits = fits;
  report.budget.arithmetic = fits ? "2 x 10 = 20 <= 97" : "2 x 60 = 120 > 97";
  return report;
}

TEST(FillSnapshot, DatabaseThenPoolerThenClientPresence) {
  ProbeCycle database;
  database.checks = {check("postgres:connection", CheckStatus::pass),
                     check("schema:tables", CheckStatus::pass)};
  database.server_version = "16.4";
  database.activity = activity(5, 97);
  database.pool = pool_with_client(false);
  database.alert_leader = true;
  database.leadership_note = "note";
  database.via_pooler = true;
  PgBouncerCycle pooler{.snapshot = PgBouncerSnapshot{},
                        .check = check("pgbouncer:pools", CheckStatus::pass, false)};
  pooler.snapshot->max_client_conn = 200;

  Snapshot s;
  fill_snapshot(s, std::move(database), std::move(pooler));
  EXPECT_EQ(names(s.checks), (std::vector<std::string>{"postgres:connection", "schema:tables",
                                                       "pgbouncer:pools", "pool:connected"}));
  EXPECT_EQ(s.checks.back().status, CheckStatus::warn);  // "web" has no connection
  EXPECT_FALSE(s.checks.back().gates_readiness);
  EXPECT_EQ(s.server_version, "16.4");
  ASSERT_TRUE(s.activity);
  EXPECT_EQ(s.activity->used(), 5);
  ASSERT_TRUE(s.pool);
  ASSERT_TRUE(s.pgbouncer);
  EXPECT_EQ(s.pgbouncer->max_client_conn, 200);
  EXPECT_EQ(s.alert_leader, true);
  EXPECT_EQ(s.leadership_note, "note");
  EXPECT_EQ(s.via_pooler, true);
}

TEST(FillSnapshot, WithoutPoolerOrDeclaredClientsOnlyTheDatabasesChecks) {
  ProbeCycle database;
  database.checks = {check("postgres:connection", CheckStatus::fail)};
  database.pool = PoolReport{};  // no [[pool.clients]]: no presence check
  Snapshot s;
  fill_snapshot(s, std::move(database), std::nullopt);
  EXPECT_EQ(names(s.checks), std::vector<std::string>{"postgres:connection"});
  EXPECT_FALSE(s.pgbouncer);
  EXPECT_FALSE(s.activity);
}

class HttpChecksUntil : public ::testing::Test {
 protected:
  const SteadyClock::time_point start{1000s};
  const Deadline all_done_by = start + 5s;
};

TEST_F(HttpChecksUntil, TheLoopWaitsAShortWhileFromTheCyclesStart) {
  Snapshot s;
  s.checks = {check("postgres:connection", CheckStatus::pass)};
  EXPECT_EQ(http_checks_until(s, start, start + 10ms, all_done_by, false), start + kHttpWait);
  // The database's part took longer than that: the app's checks get no extra time.
  EXPECT_EQ(http_checks_until(s, start, start + 2s, all_done_by, false), start + 2s);
}

TEST_F(HttpChecksUntil, TheLoopDoesNotWaitOnceTheDatabaseFailed) {
  Snapshot s;
  s.checks = {check("postgres:connection", CheckStatus::fail)};
  EXPECT_EQ(http_checks_until(s, start, start + 10ms, all_done_by, false), start + 10ms);
}

TEST_F(HttpChecksUntil, AFailureThatDoesNotGateReadinessStillWaits) {
  Snapshot s;
  s.checks = {check("postgres:fresh_connect", CheckStatus::fail, false)};
  EXPECT_EQ(http_checks_until(s, start, start + 10ms, all_done_by, false), start + kHttpWait);
}

TEST_F(HttpChecksUntil, CheckAndWaitAwaitEveryCheck) {
  Snapshot s;
  s.checks = {check("postgres:connection", CheckStatus::fail)};
  EXPECT_EQ(http_checks_until(s, start, start + 10ms, all_done_by, true), all_done_by);
}

const config::Config kConfig;

Snapshot taken_at(WallClock::time_point at, std::vector<CheckResult> checks) {
  Snapshot s;
  s.taken_at = at;
  s.checks = std::move(checks);
  return s;
}

TEST(CycleMemory, UtilizationHistoryAccumulatesAcrossCycles) {
  CycleMemory memory(1s);
  const WallClock::time_point t0{std::chrono::hours(480000)};
  for (int i = 0; i < 3; ++i) {
    auto s = taken_at(t0 + i * 1s, {check("postgres:connection", CheckStatus::pass)});
    s.activity = activity(10 * (i + 1), 100);
    memory.remember(s, kConfig);
    EXPECT_EQ(s.utilization.windows[0].samples, static_cast<std::size_t>(i + 1));
    ASSERT_TRUE(s.utilization.windows[0].current);
    EXPECT_DOUBLE_EQ(*s.utilization.windows[0].current, 0.1 * (i + 1));
  }
  // A cycle that could not read pg_stat_activity adds no sample and has no "current".
  auto down = taken_at(t0 + 3s, {check("postgres:connection", CheckStatus::fail)});
  memory.remember(down, kConfig);
  EXPECT_EQ(down.utilization.windows[0].samples, 3U);
  EXPECT_FALSE(down.utilization.windows[0].current);
  EXPECT_DOUBLE_EQ(down.utilization.windows[0].max, 0.3);
}

TEST(CycleMemory, TheForecastFollowsTheHistoryWithActivityOnly) {
  CycleMemory memory(10s);
  const WallClock::time_point t0{std::chrono::hours(480000)};
  // Two connections more every minute for 15 minutes, one cycle every 10s.
  Snapshot s;
  for (int i = 0; i <= 90; ++i) {
    s = taken_at(t0 + i * 10s, {});
    s.activity = activity(20 + i / 3, 100);
    memory.remember(s, kConfig);
  }
  ASSERT_TRUE(s.exhaustion);
  EXPECT_EQ(s.exhaustion->trend, Trend::rising);
  EXPECT_EQ(s.exhaustion->window, 15min);
  const auto* check = s.find("pool:forecast");
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->status, CheckStatus::warn);  // 50 of 100, +2/min: 25 minutes, within 30m
  config::Config later = kConfig;
  later.pool.forecast_horizon = 20min;
  auto next = taken_at(t0 + 91 * 10s, {});
  next.activity = activity(50, 100);
  memory.remember(next, later);
  EXPECT_EQ(next.find("pool:forecast")->status, CheckStatus::pass);
  // Without activity: no forecast and no check (the database's checks say why).
  auto down = taken_at(t0 + 92 * 10s, {});
  memory.remember(down, kConfig);
  EXPECT_FALSE(down.exhaustion);
  EXPECT_EQ(down.find("pool:forecast"), nullptr);
}

TEST(CycleMemory, RecentErrorsOutliveTheCycleThatSawThem) {
  CycleMemory memory(1s);
  const WallClock::time_point t0{std::chrono::hours(480000)};
  auto failed = taken_at(t0, {check("postgres:connection", CheckStatus::fail)});
  failed.checks[0].error = ErrorClass::refused;
  memory.remember(failed, kConfig);
  ASSERT_EQ(failed.recent_errors.size(), 1U);
  EXPECT_EQ(failed.recent_errors[0].check, "postgres:connection");
  auto recovered = taken_at(t0 + 1s, {check("postgres:connection", CheckStatus::pass)});
  memory.remember(recovered, kConfig);
  ASSERT_EQ(recovered.recent_errors.size(), 1U);
  EXPECT_EQ(recovered.recent_errors[0].error, ErrorClass::refused);
  EXPECT_TRUE(recovered.recent_errors[0].cleared_at);
}

TEST(CycleMemory, TheBudgetFindingIsNewsOnlyWhenItChanges) {
  CycleMemory memory(1s);
  const WallClock::time_point t0{std::chrono::hours(480000)};
  auto first = taken_at(t0, {});
  first.pool = pool_with_client(true, false);
  const auto news = memory.remember(first, kConfig);
  ASSERT_EQ(news.size(), 1u);
  EXPECT_TRUE(news[0].problem);
  auto same = taken_at(t0 + 1s, {});
  same.pool = pool_with_client(true, false);
  EXPECT_TRUE(memory.remember(same, kConfig).empty());
  auto fixed = taken_at(t0 + 2s, {});
  fixed.pool = pool_with_client(true, true);
  const auto fixed_news = memory.remember(fixed, kConfig);
  ASSERT_EQ(fixed_news.size(), 1u);
  EXPECT_FALSE(fixed_news[0].problem);
}

TEST(WaitBeforeNextCycle, JitterOnlyShortensTheIntervalByUpToATenth) {
  std::minstd_rand random(42);
  bool shortened = false;
  for (int i = 0; i < 1000; ++i) {
    const auto wait = wait_before_next_cycle(10s, random);
    EXPECT_LE(wait, 10s);
    EXPECT_GE(wait, 9s);
    shortened = shortened || wait < 10s;
  }
  EXPECT_TRUE(shortened);
}

TEST(WaitBeforeNextCycle, AnIntervalUnderTenMillisecondsHasNoJitter) {
  std::minstd_rand random(7);
  EXPECT_EQ(wait_before_next_cycle(9ms, random), 9ms);
}

}  // namespace
}  // namespace opsagent::probes
