#include "agent/alerts/rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "agent/alerts/alert_book.hpp"
#include "agent/alerts/test_snapshots.hpp"
#include "probes/model/exhaustion_forecast.hpp"
#include "probes/model/test_snapshots.hpp"

namespace opsagent::alerts {
namespace {

const Finding* find(const RuleOutcome& o, std::string_view rule) {
  auto it = std::ranges::find(o.findings, rule, &Finding::rule);
  return it == o.findings.end() ? nullptr : &*it;
}

// The severity of the rule's finding; nullopt (a failed comparison, not a crash) when it is absent.
std::optional<Severity> severity_of(const RuleOutcome& o, std::string_view rule) {
  const Finding* f = find(o, rule);
  return f == nullptr ? std::nullopt : std::optional<Severity>(f->severity);
}

TEST(Rules, SaturationFollowsThePoolThresholdsWithHysteresis) {
  config::Config c;  // warn 80%, critical 95%, clears below 75%
  EXPECT_EQ(find(evaluate_rules(snapshot(c, 79), c, false, "db"), kRulePoolSaturation), nullptr);
  const auto warn = evaluate_rules(snapshot(c, 80), c, false, "db");
  const Finding* f = find(warn, kRulePoolSaturation);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_EQ(f->labels.at("alertname"), "PostgresPoolSaturation");
  EXPECT_EQ(f->labels.at("database"), "db");
  EXPECT_NE(f->summary.find("80/100"), std::string::npos);
  EXPECT_FALSE(f->details.empty());
  EXPECT_NE(f->details.front().find("80/100 usable connection slots in use (80.0%)"),
            std::string::npos);
  EXPECT_TRUE(std::ranges::any_of(
      f->details, [](const std::string& d) { return d.starts_with("web:1: 80 ("); }));
  const auto critical = evaluate_rules(snapshot(c, 95), c, false, "db");
  const Finding* crit = find(critical, kRulePoolSaturation);
  ASSERT_NE(crit, nullptr);
  EXPECT_EQ(crit->severity, Severity::critical);
  // Inside the band (75..80): stays when active, does not start otherwise.
  EXPECT_NE(find(evaluate_rules(snapshot(c, 76), c, true, "db"), kRulePoolSaturation), nullptr);
  EXPECT_EQ(find(evaluate_rules(snapshot(c, 76), c, false, "db"), kRulePoolSaturation), nullptr);
  EXPECT_EQ(find(evaluate_rules(snapshot(c, 74), c, true, "db"), kRulePoolSaturation), nullptr);
}

TEST(Rules, ClientAtItsPoolLimitButNoBudgetAlert) {
  config::Config c;
  c.pool.clients = {{.name = "web", .application_name = "web:*", .instances = 4, .pool_max = 20},
                    {.name = "cron", .application_name = "cron", .instances = 1, .pool_max = 30}};
  const auto o = evaluate_rules(snapshot(c, 20, "web:7"), c, false, "db");
  const Finding* limit = find(o, kRuleClientPoolAtLimit);
  ASSERT_NE(limit, nullptr);
  EXPECT_EQ(limit->labels.at("client"), "web");
  EXPECT_NE(limit->details.front().find("web:7: 20/20"), std::string::npos);
  // 4×20 + 1×30 = 110 cannot fit in 100 slots: a fact of the configuration, reported as a
  // finding (probes/findings.hpp), never as an alert that fires at every start.
  ASSERT_FALSE(snapshot(c, 20, "web:7").pool->budget.fits);
  EXPECT_FALSE(std::ranges::any_of(o.findings, [](const Finding& f) {
    return f.labels.at("alertname") == "PostgresPoolBudgetExceeded";
  }));
  EXPECT_EQ(find(evaluate_rules(snapshot(c, 19, "web:7"), c, false, "db"), kRuleClientPoolAtLimit),
            nullptr);
}

TEST(Rules, SessionAgesAndLockWaits) {
  config::Config c;
  auto s = snapshot(c, 10);
  s.activity->sessions.oldest_idle_in_xact_s = 301;
  s.activity->sessions.oldest_xact_s = 899;
  s.activity->sessions.waiting_on_locks = 2;
  s.activity->by_application[0].counts.waiting_on_locks = 2;
  const auto o = evaluate_rules(s, c, false, "db");
  ASSERT_NE(find(o, kRuleIdleInTransaction), nullptr);
  EXPECT_NE(find(o, kRuleIdleInTransaction)->summary.find("5m"), std::string::npos);
  EXPECT_EQ(find(o, kRuleLongTransaction), nullptr);
  ASSERT_NE(find(o, kRuleLockWaits), nullptr);
  EXPECT_EQ(find(o, kRuleLockWaits)->details.front(), "web:1: 2 waiting on locks");
  c.alerts.lock_waiters = 0;
  c.alerts.idle_in_transaction = config::Duration(0);
  const auto off = evaluate_rules(s, c, false, "db");
  EXPECT_EQ(find(off, kRuleLockWaits), nullptr);
  EXPECT_EQ(find(off, kRuleIdleInTransaction), nullptr);
}

TEST(Rules, UnreachableDatabaseFiresReadinessAndInhibitsTheRest) {
  config::Config c;
  probes::Snapshot s;
  probes::CheckResult down;
  down.name = "postgres:connection";
  down.status = probes::CheckStatus::fail;
  down.error = probes::ErrorClass::refused;
  down.message = "connection refused";
  s.checks.push_back(down);
  const auto o = evaluate_rules(s, c, true, "db");
  const Finding* r = find(o, kRuleReadiness);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->severity, Severity::critical);
  EXPECT_NE(r->summary.find("refused"), std::string::npos);
  EXPECT_EQ(r->details.front(), "postgres:connection: refused: connection refused");
  EXPECT_EQ(o.findings.size(), 1u);
  EXPECT_TRUE(o.unknown_rules.contains(std::string(kRulePoolSaturation)));
  EXPECT_FALSE(o.unknown_rules.contains(std::string(kRuleReadiness)));
}

// PgBouncer's queue: a warning while clients wait, critical at maxwait_critical, unknown (held)
// while the console does not answer, silent without [pgbouncer].
TEST(Rules, PgBouncerQueueWarnsThenTurnsCritical) {
  config::Config c;
  auto s = snapshot(c, 10);
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRulePgBouncerQueue), nullptr);
  c.pgbouncer.dsn_env = "PGBOUNCER_URL";
  const auto no_console = evaluate_rules(s, c, false, "db");
  EXPECT_EQ(find(no_console, kRulePgBouncerQueue), nullptr);
  EXPECT_TRUE(no_console.unknown_rules.contains(std::string(kRulePgBouncerQueue)));

  probes::PgBouncerSnapshot b;
  probes::PgBouncerPool p;
  p.database = "app";
  p.user = "app";
  p.pool_mode = "transaction";
  p.sv_active = 10;
  p.pool_size = 10;
  b.pools.push_back(p);
  s.pgbouncer = b;
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRulePgBouncerQueue), nullptr);
  s.pgbouncer->pools[0].cl_waiting = 21;
  s.pgbouncer->pools[0].maxwait_s = 2;
  const auto warn = evaluate_rules(s, c, false, "db");
  const Finding* f = find(warn, kRulePgBouncerQueue);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_EQ(f->labels.at("alertname"), "PgBouncerClientsWaiting");
  EXPECT_NE(f->summary.find("21 client(s) waiting"), std::string::npos) << f->summary;
  EXPECT_NE(f->details.front().find("app/app (transaction mode): 21 waiting"), std::string::npos)
      << f->details.front();
  s.pgbouncer->pools[0].maxwait_s = 5;
  const auto critical = evaluate_rules(s, c, false, "db");  // find() points into it
  const Finding* crit = find(critical, kRulePgBouncerQueue);
  ASSERT_NE(crit, nullptr);
  EXPECT_EQ(crit->severity, Severity::critical);
}

TEST(Rules, UpstreamCircuitOpenFiresWhileNotClosedAndEvenWithTheDatabaseDown) {
  const config::Config c;
  probes::Snapshot s;  // no activity: the database rules are unknown, this one is not
  probes::UpstreamStatus u;
  u.name = "soda";
  u.target = "https://data.example.org/x.json";
  u.state = probes::BreakerState::closed;
  s.upstreams.push_back(u);
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRuleUpstreamCircuitOpen), nullptr);

  s.upstreams[0].state = probes::BreakerState::open;
  s.upstreams[0].consecutive_failures = 5;
  s.upstreams[0].transition_reason = "5 consecutive failures (last: ... answered 500)";
  const auto open = evaluate_rules(s, c, false, "db");
  const Finding* f = find(open, kRuleUpstreamCircuitOpen);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_EQ(f->labels.at("alertname"), "UpstreamCircuitOpen");
  EXPECT_EQ(f->labels.at("upstream"), "soda");
  EXPECT_EQ(f->labels.at("database"), "db");
  EXPECT_EQ(f->summary, "upstream soda: circuit open after 5 consecutive failed probes");
  EXPECT_EQ(f->details.at(0),
            "https://data.example.org/x.json: 5 consecutive failures (last: ... answered 500)");
  EXPECT_EQ(open.unknown_rules.count(std::string(kRuleUpstreamCircuitOpen)), 0u);

  s.upstreams[0].state = probes::BreakerState::half_open;
  EXPECT_NE(find(evaluate_rules(s, c, false, "db"), kRuleUpstreamCircuitOpen), nullptr);

  // One alert per upstream: told apart by the label.
  s.upstreams.push_back(s.upstreams[0]);
  s.upstreams[1].name = "geo";
  const auto two = evaluate_rules(s, c, false, "db");
  EXPECT_EQ(std::ranges::count(two.findings, kRuleUpstreamCircuitOpen, &Finding::rule), 2);
}

// The container's rules: memory against the limit at once, CPU only once high for cpu_sustained;
// nothing without a limit or quota; unknown (not resolved) while the cgroup cannot be read.
TEST(Rules, ContainerMemoryAndCpuFireWithTheirLevelsAndNeverWithoutALimit) {
  config::Config c;
  c.container.cpu_sustained = std::chrono::minutes(5);
  probes::Snapshot s;
  probes::ContainerStatus k;
  k.source = probes::ContainerStatus::Source::v2;
  k.memory_bytes = 900;
  s.container = k;
  auto out = evaluate_rules(s, c, false, "db");
  EXPECT_EQ(find(out, kRuleContainerMemory), nullptr);  // not limited: never a share of the host
  EXPECT_EQ(find(out, kRuleContainerCpu), nullptr);

  s.container->memory_limit_bytes = 1000;
  s.container->memory_ratio = 0.9;
  s.container->oom_kills = 2;
  out = evaluate_rules(s, c, false, "db");
  const Finding* mem = find(out, kRuleContainerMemory);
  ASSERT_NE(mem, nullptr);
  EXPECT_EQ(mem->severity, Severity::warning);
  EXPECT_EQ(mem->labels.at("alertname"), "ContainerMemoryHigh");
  EXPECT_EQ(mem->summary, "container memory at 90% of its limit (900 B of 1000 B): OOM risk");
  EXPECT_EQ(mem->details.at(1), "2 OOM kills in this container so far");
  s.container->memory_ratio = 0.96;
  EXPECT_EQ(severity_of(evaluate_rules(s, c, false, "db"), kRuleContainerMemory),
            Severity::critical);

  s.container->cpu_quota_cores = 2.0;
  s.container->cpu_cores_used = 1.9;
  s.container->cpu_ratio = 0.95;
  s.container->cpu_high_for = std::chrono::seconds(299);
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRuleContainerCpu), nullptr);
  s.container->cpu_high_for = std::chrono::seconds(300);
  out = evaluate_rules(s, c, false, "db");
  const Finding* cpu = find(out, kRuleContainerCpu);
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu->labels.at("alertname"), "ContainerCpuHigh");
  EXPECT_EQ(cpu->severity, Severity::critical);
  EXPECT_EQ(cpu->summary, "container CPU at 95% of its 2.00-core quota for 5m");
  s.container->cpu_ratio = 0.85;
  EXPECT_EQ(severity_of(evaluate_rules(s, c, false, "db"), kRuleContainerCpu), Severity::warning);

  s.container = probes::ContainerStatus{};
  s.container->source = probes::ContainerStatus::Source::none;
  out = evaluate_rules(s, c, false, "db");
  EXPECT_EQ(find(out, kRuleContainerMemory), nullptr);
  EXPECT_EQ(out.unknown_rules.count(std::string(kRuleContainerMemory)), 1u);
  EXPECT_EQ(out.unknown_rules.count(std::string(kRuleContainerCpu)), 1u);
}

probes::LockTree migration_queue(double wait_s, int queued) {
  return probes::testing::stuck_migration_tree(wait_s, queued);
}

TEST(Rules, LockQueueFiresOnHeadWaitOrQueueLengthAndTurnsCritical) {
  config::Config c;  // alert_after 10s, alert_queued 5, critical_after 1m
  auto s = snapshot(c, 10);
  s.locks = migration_queue(2, 3);
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRuleLockQueue), nullptr);

  s.locks = migration_queue(12, 3);  // the head waited past alert_after
  auto o = evaluate_rules(s, c, false, "db");
  const Finding* f = find(o, kRuleLockQueue);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->labels.at("alertname"), "PostgresLockQueue");
  EXPECT_EQ(f->labels.size(), 2U);  // alertname and database: no pid as a label
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_EQ(f->summary,
            "lock queue: ALTER TABLE permits ADD COLUMN x int (pid 456, migrate) waiting 12.0s for "
            "AccessExclusiveLock on permits behind pid 123 (idle in transaction 5m00s, web:4567); "
            "3 sessions queued behind it");
  EXPECT_EQ(f->measure, 4);

  s.locks = migration_queue(2, 4);  // 5 waiting: alert_queued
  EXPECT_NE(find(evaluate_rules(s, c, false, "db"), kRuleLockQueue), nullptr);
  c.locks.alert_queued = 0;
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRuleLockQueue), nullptr);

  s.locks = migration_queue(61, 1);
  EXPECT_EQ(severity_of(evaluate_rules(s, c, false, "db"), kRuleLockQueue), Severity::critical);

  // Sessions wait but the tree could not be read: unknown, neither fires nor resolves.
  s.locks = probes::LockTree{};
  s.locks->waiting_seen = 4;
  s.locks->unread = "the blocking-tree statement failed: timeout";
  o = evaluate_rules(s, c, false, "db");
  EXPECT_EQ(find(o, kRuleLockQueue), nullptr);
  EXPECT_EQ(o.unknown_rules.count(std::string(kRuleLockQueue)), 1U);
}

// A snapshot at `now` whose last 15 minutes rose from `used - 15 * per_minute` to `used`, one
// sample every 10s, with its forecast as the probe loop computes it.
probes::Snapshot trending(const config::Config& c, int used, double per_minute,
                          WallClock::time_point now) {
  auto s = snapshot(c, used);
  s.taken_at = now;
  std::vector<probes::UtilizationSample> samples;
  for (int ago = 900; ago >= 0; ago -= 10) {
    const int u = static_cast<int>(used - per_minute * ago / 60);
    samples.push_back({now - std::chrono::seconds(ago), u, 100, u / 100.0});
  }
  const auto window = std::chrono::duration_cast<std::chrono::seconds>(c.pool.forecast_window);
  s.exhaustion = probes::forecast_exhaustion(samples, now, window);
  return s;
}

// PostgresPoolExhaustionForecast fires while the slots run out within pool.forecast_horizon, and
// resolves once the trend flattens; quiet while the forecast is beyond the horizon or off.
TEST(Rules, ExhaustionForecastFiresWithinTheHorizonAndResolvesWhenTheTrendEases) {
  config::Config c;  // window 15m, horizon 30m
  const WallClock::time_point t0{std::chrono::hours(500000)};
  // 50 of 100 and +2/min: 25 minutes left.
  const auto rising = evaluate_rules(trending(c, 50, 2, t0), c, false, "db");
  const Finding* f = find(rising, kRulePoolExhaustionForecast);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->labels.at("alertname"), "PostgresPoolExhaustionForecast");
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_NE(f->summary.find("at this rate the usable Postgres slots run out in 2"),
            std::string::npos)
      << f->summary;
  EXPECT_NE(f->summary.find("+2.0 connections/min, 50/100 in use"), std::string::npos)
      << f->summary;
  ASSERT_TRUE(f->measure);
  EXPECT_LT(*f->measure, 0);  // sooner is worse
  // +1/min: 50 minutes left, beyond the horizon; a falling or flat trend: nothing.
  EXPECT_EQ(
      find(evaluate_rules(trending(c, 50, 1, t0), c, false, "db"), kRulePoolExhaustionForecast),
      nullptr);
  EXPECT_EQ(
      find(evaluate_rules(trending(c, 50, -2, t0), c, false, "db"), kRulePoolExhaustionForecast),
      nullptr);
  auto off = c;
  off.pool.forecast_horizon = config::Duration(0);
  EXPECT_EQ(
      find(evaluate_rules(trending(c, 50, 2, t0), off, false, "db"), kRulePoolExhaustionForecast),
      nullptr);
  // No activity this cycle: unknown, so a firing alert is frozen rather than resolved.
  probes::Snapshot down;
  EXPECT_EQ(evaluate_rules(down, c, false, "db")
                .unknown_rules.count(std::string(kRulePoolExhaustionForecast)),
            1u);

  // Through the AlertBook: fires after alerts.pending, resolves keep_firing after the trend
  // went flat.
  AlertBook book;
  auto settings = c.alerts;
  settings.pending = std::chrono::seconds(30);
  settings.keep_firing = std::chrono::seconds(60);
  auto at = [&](int used, double per_minute, WallClock::time_point now) {
    std::vector<NotificationKind> kinds;
    for (const auto& n : book.update(evaluate_rules(trending(c, used, per_minute, now), c,
                                                    book.active(kRulePoolSaturation), "db"),
                                     now, settings, "")) {
      if (n.alert.rule == kRulePoolExhaustionForecast) kinds.push_back(n.kind);
    }
    return kinds;
  };
  using K = NotificationKind;
  EXPECT_TRUE(at(50, 2, t0).empty());  // pending
  EXPECT_EQ(at(51, 2, t0 + std::chrono::seconds(30)), std::vector{K::firing});
  EXPECT_TRUE(at(52, 0, t0 + std::chrono::seconds(60)).empty());  // flat: clear, keep firing
  EXPECT_EQ(at(52, 0, t0 + std::chrono::seconds(120)), std::vector{K::resolved});
}

}  // namespace
}  // namespace opsagent::alerts

namespace opsagent::alerts {
namespace {

TEST(Rules, LeakedConnectionsOnePerClientWithTheirWorkersAndAge) {
  config::Config c;
  auto s = snapshot(c, 10);
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRuleLeakedConnections), nullptr);
  probes::ConnectionHygiene h;
  h.leaks_checked = true;
  s.hygiene = h;
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRuleLeakedConnections), nullptr);
  h.leaked = {{.client = "web",
               .application_name = "web:7",
               .worker_pid = 7,
               .sessions = 2,
               .oldest_s = 125.0}};
  h.leaked_sessions = 2;
  s.hygiene = h;
  const auto out = evaluate_rules(s, c, false, "db");
  const Finding* f = find(out, kRuleLeakedConnections);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->labels.at("alertname"), "PostgresLeakedConnections");
  EXPECT_EQ(f->labels.at("client"), "web");
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_NE(f->summary.find("2 leaked session(s) of web"), std::string::npos) << f->summary;
  ASSERT_FALSE(f->details.empty());
  EXPECT_NE(f->details[0].find("web:7: 2 session(s)"), std::string::npos) << f->details[0];
  // Not looked for this cycle (the app's processes unreadable): unknown, not resolved.
  h.leaks_checked = false;
  s.hygiene = h;
  EXPECT_EQ(
      evaluate_rules(s, c, false, "db").unknown_rules.count(std::string(kRuleLeakedConnections)),
      1u);
}

}  // namespace
}  // namespace opsagent::alerts

namespace opsagent::alerts {
namespace {

TEST(Rules, SessionsTerminatedFiresPerClientAndResolvesAfterTheQuietPeriod) {
  config::Config c;
  auto s = snapshot(c, 10);
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRuleSessionsTerminated), nullptr);
  probes::TerminationRecord r;
  r.mode = probes::TerminateMode::on;
  probes::Termination t;
  t.at = t.last_seen = s.taken_at - std::chrono::minutes(3);
  t.pid = 4711;
  t.application_name = "web:12";
  t.role = "app";
  t.client = "web";
  t.age_s = 620;
  t.mode = probes::TerminateMode::on;
  t.terminated = true;
  r.recent = {t};
  s.terminations = r;
  const auto out = evaluate_rules(s, c, false, "db");
  const Finding* f = find(out, kRuleSessionsTerminated);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->labels.at("alertname"), "PostgresSessionsTerminated");
  EXPECT_EQ(f->labels.at("client"), "web");
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_NE(f->summary.find("1 session(s) of web idle in a transaction terminated"),
            std::string::npos)
      << f->summary;
  ASSERT_FALSE(f->details.empty());
  EXPECT_NE(f->details[0].find("web:12 (pid 4711, role app)"), std::string::npos) << f->details[0];
  // dry_run says so.
  s.terminations->mode = probes::TerminateMode::dry_run;
  s.terminations->recent[0].mode = probes::TerminateMode::dry_run;
  s.terminations->recent[0].terminated = false;
  const auto dry_out = evaluate_rules(s, c, false, "db");  // `dry` points into it
  const Finding* dry = find(dry_out, kRuleSessionsTerminated);
  ASSERT_NE(dry, nullptr);
  EXPECT_NE(dry->summary.find("would have been terminated (dry_run)"), std::string::npos);
  // Quiet for the whole period: no finding, so the alert resolves.
  s.terminations->recent[0].last_seen =
      s.taken_at - probes::TerminationRecord::kQuietPeriod - std::chrono::seconds(1);
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRuleSessionsTerminated), nullptr);
}

// [[jobs]]: stale once the last success (as read, plus the time since the read) passes max_age,
// failing past max_failures; critical when the job gates readiness; nothing while its table
// cannot be read, or for a report no [[jobs]] entry declares.
TEST(Rules, JobStaleAndFailingCountFromTheReadAndStayQuietWhileTheTableCannotBeRead) {
  config::Config c;
  c.jobs = {{.name = "nightly",
             .job_name = "nightly_sync",
             .max_age = std::chrono::hours(1),
             .max_failures = 1}};
  auto s = snapshot(c, 10);
  s.completed = std::chrono::steady_clock::time_point{} + std::chrono::hours(48);
  probes::JobReport j;
  j.name = "nightly";
  j.job_name = "nightly_sync";
  j.read_at = s.completed - std::chrono::minutes(10);
  j.last_success_age = std::chrono::minutes(50);
  j.failures_in_window = 1;
  s.jobs = {j};
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRuleJobStale), nullptr);  // 60m: not past
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRuleJobFailing), nullptr);

  s.jobs[0].last_success_age = std::chrono::minutes(55);  // 65m by now
  s.jobs[0].failures_in_window = 2;
  s.jobs[0].last_error = "connection reset by peer";
  s.jobs[0].running_for = std::chrono::minutes(3);
  const auto o = evaluate_rules(s, c, false, "db");
  const Finding* stale = find(o, kRuleJobStale);
  ASSERT_NE(stale, nullptr);
  EXPECT_EQ(stale->severity, Severity::warning);
  EXPECT_EQ(stale->labels.at("alertname"), "JobStale");
  EXPECT_EQ(stale->labels.at("job"), "nightly");
  EXPECT_EQ(stale->summary, "job nightly: last success 65m ago, more than max_age 1h");
  EXPECT_EQ(stale->details,
            (std::vector<std::string>{"a run started 13m00s ago and has not finished",
                                      "last failed run: connection reset by peer"}));
  const Finding* failing = find(o, kRuleJobFailing);
  ASSERT_NE(failing, nullptr);
  EXPECT_EQ(failing->labels.at("alertname"), "JobFailing");
  EXPECT_EQ(failing->summary, "job nightly: 2 failed runs in the last 24h (max_failures 1)");
  EXPECT_EQ(failing->details,
            std::vector<std::string>{"last failed run: connection reset by peer"});

  s.jobs[0].last_success_age.reset();
  const auto unrecorded = evaluate_rules(s, c, false, "db");
  const Finding* never = find(unrecorded, kRuleJobStale);
  ASSERT_NE(never, nullptr);
  EXPECT_EQ(never->summary,
            "job nightly: no successful run of \"nightly_sync\" recorded in cron_log");

  c.jobs[0].gates_readiness = true;
  EXPECT_EQ(severity_of(evaluate_rules(s, c, false, "db"), kRuleJobStale), Severity::critical);

  s.jobs[0].read_error = "relation \"cron_log\" does not exist";
  const auto unread = evaluate_rules(s, c, false, "db");
  EXPECT_EQ(find(unread, kRuleJobStale), nullptr);
  EXPECT_EQ(find(unread, kRuleJobFailing), nullptr);

  s.jobs[0].read_error.clear();
  s.jobs[0].name = "undeclared";
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRuleJobStale), nullptr);
}

// [[queries]]: one alert per query and column at the threshold's level (either direction); a
// column missing from the row is the check's warning, not an alert; nothing while the query fails.
TEST(Rules, QueryThresholdsFireOnePerColumnAtTheirLevel) {
  config::Config c;
  c.queries = {{.name = "cache",
                .sql = "SELECT 1",
                .thresholds = {{.column = "size_mb", .warn = 100, .critical = 500},
                               {.column = "hit_ratio", .warn = 0.9, .critical = 0.5, .below = true},
                               {.column = "absent", .warn = 1, .critical = std::nullopt}}}};
  auto s = snapshot(c, 10);
  probes::QueryReport q;
  q.name = "cache";
  q.columns = {{"size_mb", 600}, {"hit_ratio", 0.8}};
  s.queries = {q};
  const auto o = evaluate_rules(s, c, false, "db");
  ASSERT_EQ(std::ranges::count(o.findings, kRuleQueryThreshold, &Finding::rule), 2);
  const auto column = [&](const std::string& name) {
    return std::ranges::find_if(o.findings, [&](const Finding& f) {
      return f.labels.contains("column") && f.labels.at("column") == name;
    });
  };
  const auto size = column("size_mb");
  ASSERT_NE(size, o.findings.end());
  EXPECT_EQ(size->severity, Severity::critical);
  EXPECT_EQ(size->labels.at("alertname"), "QueryThreshold");
  EXPECT_EQ(size->labels.at("query"), "cache");
  EXPECT_EQ(size->summary, "query cache: size_mb 600 >= critical 500");
  const auto ratio = column("hit_ratio");
  ASSERT_NE(ratio, o.findings.end());
  EXPECT_EQ(ratio->severity, Severity::warning);
  EXPECT_EQ(ratio->summary, "query cache: hit_ratio 0.8 <= warn 0.9");
  EXPECT_EQ(column("absent"), o.findings.end());

  s.queries[0].columns = {{"size_mb", 99}, {"hit_ratio", 0.95}};
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRuleQueryThreshold), nullptr);

  s.queries[0].columns = {{"size_mb", 600}};
  s.queries[0].read_error = "canceling statement due to statement timeout";
  EXPECT_EQ(find(evaluate_rules(s, c, false, "db"), kRuleQueryThreshold), nullptr);
}

}  // namespace
}  // namespace opsagent::alerts
