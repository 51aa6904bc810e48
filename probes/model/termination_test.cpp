#include "probes/model/termination.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

config::PoolSection pool(TerminateMode mode = TerminateMode::on) {
  config::PoolSection p;
  p.clients = {{.name = "web",
                .application_name = "web:*",
                .instances = 4,
                .pool_max = 20,
                .via_pgbouncer = false},
               {.name = "bouncer",
                .application_name = "pgb_*",
                .instances = 1,
                .pool_max = 5,
                .via_pgbouncer = true}};
  p.warn = {config::Threshold::Kind::count, 10};
  p.terminate_idle_in_transaction = mode;
  p.terminate_after = 60s;
  p.terminate_role = "app";
  return p;
}

ActivityRow row(std::string app, std::string user, std::vector<double> iit, bool su = false) {
  ActivityRow r;
  r.application_name = std::move(app);
  r.user = std::move(user);
  r.state = "idle in transaction";
  r.superuser = su;
  count_state(r.counts, r.state, static_cast<int>(iit.size()));
  r.idle_in_xact_ages = std::move(iit);
  return r;
}

ActivitySnapshot activity(std::vector<ActivityRow> rows) {
  ActivitySnapshot a = aggregate_activity(rows);
  a.rows = std::move(rows);
  return a;
}

TEST(GlobToLike, WildcardsTranslateAndLikeCharactersAreEscaped) {
  EXPECT_EQ(glob_to_like("web:*"), "web:%");
  EXPECT_EQ(glob_to_like("w?b"), "w_b");
  EXPECT_EQ(glob_to_like("cron"), "cron");
  EXPECT_EQ(glob_to_like("job_%*"), "job\\_\\%%");
  EXPECT_EQ(glob_to_like("a\\b"), "a\\\\b");
}

TEST(GlobToLike, PatternsLeaveOutClientsThroughPgBouncer) {
  EXPECT_EQ(terminable_patterns(pool()), std::vector<std::string>{"web:%"});
}

TEST(WarnReachedAt, TheFewestSessionsThatReachWarn) {
  using K = config::Threshold::Kind;
  EXPECT_EQ(warn_reached_at({K::count, 10}, 97, 100), 10);
  EXPECT_EQ(warn_reached_at({K::percent, 80}, 97, 100), 78);  // 77.6 rounds up
  EXPECT_EQ(warn_reached_at({K::percent, 50}, 10, 13), 5);
  EXPECT_EQ(warn_reached_at({K::slots_left, 5}, 97, 100), 92);
  EXPECT_EQ(warn_reached_at({K::count, 200}, 97, 100), std::nullopt);
}

TEST(TerminationDue, OnlyAnOldEnoughSessionOfTheRoleAndAClientWhileAtOrAboveWarn) {
  const auto p = pool();
  const auto old_web = activity({row("web:1", "app", {61})});
  EXPECT_TRUE(termination_due(old_web, p, PoolLevel::warn));
  EXPECT_TRUE(termination_due(old_web, p, PoolLevel::critical));
  EXPECT_FALSE(termination_due(old_web, p, PoolLevel::ok)) << "below warn";
  EXPECT_FALSE(termination_due(activity({row("web:1", "app", {59})}), p, PoolLevel::warn))
      << "younger than terminate_after";
  EXPECT_FALSE(termination_due(activity({row("web:1", "other", {600})}), p, PoolLevel::warn))
      << "another role";
  EXPECT_FALSE(termination_due(activity({row("web:1", "app", {600}, true)}), p, PoolLevel::warn))
      << "a superuser";
  EXPECT_FALSE(termination_due(activity({row("psql", "app", {600})}), p, PoolLevel::warn))
      << "not a declared client";
  EXPECT_FALSE(termination_due(activity({row("pgb_1", "app", {600})}), p, PoolLevel::warn))
      << "a client through PgBouncer";
  EXPECT_FALSE(termination_due(old_web, pool(TerminateMode::off), PoolLevel::critical));
  EXPECT_TRUE(termination_due(old_web, pool(TerminateMode::dry_run), PoolLevel::warn));
}

// Overlapping globs: a name a PgBouncer client could carry is never a candidate, whether that
// client is declared before or after the terminable one it also matches.
TEST(TerminationDue, ANameAClientThroughPgBouncerMatchesIsNeverACandidate) {
  auto p = pool();
  p.clients[1].application_name = "web:pgb*";
  const auto pooled_name = activity({row("web:pgb1", "app", {600})});
  EXPECT_FALSE(termination_due(pooled_name, p, PoolLevel::critical)) << "declared after web";
  std::swap(p.clients[0], p.clients[1]);
  EXPECT_FALSE(termination_due(pooled_name, p, PoolLevel::critical)) << "declared before web";
  EXPECT_TRUE(termination_due(activity({row("web:1", "app", {600})}), p, PoolLevel::critical));
}

Termination candidate(int pid, double since, TerminateMode mode, bool terminated) {
  Termination t;
  t.pid = pid;
  t.application_name = "web:" + std::to_string(pid);
  t.role = "app";
  t.client = "web";
  t.age_s = 70;
  t.state_change_epoch = since;
  t.mode = mode;
  t.terminated = terminated;
  return t;
}

TEST(RecordRound, ADryRunCandidateIsRecordedOncePerEpisode) {
  TerminationRecord record;
  const Clock::time_point t0{100000s};
  TerminationRound round{
      .sent = true, .sessions = {candidate(7, 1.5, TerminateMode::dry_run, false)}, .note = {}};
  EXPECT_EQ(record_round(record, TerminateMode::dry_run, round, t0).size(), 1u);
  EXPECT_TRUE(record_round(record, TerminateMode::dry_run, round, t0 + 10s).empty());
  ASSERT_EQ(record.recent.size(), 1u);
  EXPECT_EQ(record.recent[0].last_seen, t0 + 10s);
  EXPECT_EQ((record.totals[{"web", TerminateMode::dry_run}]), 1u);
  // The same pid in a new transaction is a new episode.
  round.sessions = {candidate(7, 99.0, TerminateMode::dry_run, false)};
  EXPECT_EQ(record_round(record, TerminateMode::dry_run, round, t0 + 20s).size(), 1u);
  EXPECT_EQ((record.totals[{"web", TerminateMode::dry_run}]), 2u);
}

TEST(RecordRound, CheckWarnsDuringTheQuietPeriodThenPasses) {
  TerminationRecord record;
  const auto p = pool();
  const Clock::time_point t0{100000s};
  EXPECT_EQ(termination_check(record, p, t0).status, CheckStatus::pass);
  record_round(record, TerminateMode::on,
               TerminationRound{.sent = true,
                                .sessions = {candidate(7, 1, TerminateMode::on, true),
                                             candidate(8, 1, TerminateMode::on, false)},
                                .note = {}},
               t0);
  EXPECT_EQ((record.totals[{"web", TerminateMode::on}]), 1u) << "pid 8 was gone already";
  const auto c = termination_check(record, p, t0 + 1min);
  EXPECT_EQ(c.name, "pool:terminations");
  EXPECT_EQ(c.status, CheckStatus::warn);
  EXPECT_FALSE(c.gates_readiness);
  EXPECT_NE(c.message.find("terminate_idle_in_transaction = \"on\""), std::string::npos)
      << c.message;
  EXPECT_NE(c.message.find("web:7 (pid 7, web"), std::string::npos) << c.message;
  EXPECT_EQ(termination_check(record, p, t0 + TerminationRecord::kQuietPeriod).status,
            CheckStatus::pass);
  // A round without a statement keeps the record, and a pooler's note is shown.
  record_round(record, TerminateMode::on,
               TerminationRound{.sent = false, .sessions = {}, .note = "through a pooler"}, t0);
  EXPECT_NE(termination_check(record, p, t0).message.find("through a pooler"), std::string::npos);
}

TEST(RecordRound, RecentIsCapped) {
  TerminationRecord record;
  TerminationRound round{.sent = true, .sessions = {}, .note = {}};
  for (int i = 0; i < 30; ++i) round.sessions.push_back(candidate(i, 1, TerminateMode::on, true));
  record_round(record, TerminateMode::on, round, Clock::time_point{1s});
  EXPECT_EQ(record.recent.size(), TerminationRecord::kMaxRecent);
  EXPECT_EQ(record.recent.front().pid, 29) << "newest first";
  EXPECT_EQ((record.totals[{"web", TerminateMode::on}]), 30u);
}

}  // namespace
}  // namespace opsagent::probes
