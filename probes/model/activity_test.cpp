#include "probes/model/activity.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace opsagent::probes {
namespace {

// `n` sessions in pg_stat_activity state `state`.
SessionCounts sessions(std::string_view state, int n) {
  SessionCounts c;
  count_state(c, state, n);
  return c;
}

ActivityRow row(std::string app, std::string user, std::string_view state, int n) {
  ActivityRow r;
  r.application_name = std::move(app);
  r.user = std::move(user);
  r.database = "app";
  r.client_addr = "10.0.0.1";
  r.state = std::string(state);
  r.counts = sessions(state, n);
  return r;
}

// "app00", "app01", ...: names that sort as their numbers do.
std::string fmt_key(int i) {
  return (i < 10 ? "app0" : "app") + std::to_string(i);
}

const GroupCount* find(const std::vector<GroupCount>& groups, const std::string& key) {
  for (const auto& g : groups) {
    if (g.key == key) return &g;
  }
  return nullptr;
}

TEST(CountState, EachKnownStateHasItsCounter) {
  SessionCounts c;
  count_state(c, "active", 1);
  count_state(c, "idle", 2);
  count_state(c, "idle in transaction", 3);
  count_state(c, "idle in transaction (aborted)", 4);
  EXPECT_EQ(c.active, 1);
  EXPECT_EQ(c.idle, 2);
  EXPECT_EQ(c.idle_in_transaction, 3);
  EXPECT_EQ(c.idle_in_transaction_aborted, 4);
  EXPECT_EQ(c.other, 0);
  EXPECT_EQ(c.total, 10);
}

TEST(CountState, UnknownAndHiddenStatesCountAsOther) {
  SessionCounts c;
  count_state(c, "fastpath function call", 1);
  count_state(c, "disabled", 1);
  count_state(c, "", 5);        // hidden from a role without pg_read_all_stats
  count_state(c, "Active", 1);  // states are matched exactly
  EXPECT_EQ(c.other, 8);
  EXPECT_EQ(c.active, 0);
  EXPECT_EQ(c.total, 8);
}

TEST(SessionCounts, AddSumsCountsAndKeepsTheOldestAges) {
  SessionCounts a = sessions("active", 2);
  a.waiting_on_locks = 1;
  a.longest_query_s = 3.0;
  SessionCounts b = sessions("idle in transaction", 1);
  b.oldest_xact_s = 7.5;
  b.oldest_idle_in_xact_s = 7.0;
  b.longest_query_s = 1.0;
  a.add(b);
  EXPECT_EQ(a.total, 3);
  EXPECT_EQ(a.active, 2);
  EXPECT_EQ(a.idle_in_transaction, 1);
  EXPECT_EQ(a.waiting_on_locks, 1);
  EXPECT_EQ(a.oldest_xact_s, 7.5);
  EXPECT_EQ(a.oldest_idle_in_xact_s, 7.0);
  EXPECT_EQ(a.longest_query_s, 3.0);
}

TEST(AggregateActivity, NoRowsIsAnEmptyDatabase) {
  const auto a = aggregate_activity({});
  EXPECT_EQ(a.used(), 0);
  EXPECT_TRUE(a.by_application.empty());
  EXPECT_TRUE(a.all_applications.empty());
  EXPECT_TRUE(a.superuser_applications.empty());
}

TEST(AggregateActivity, GroupsEveryWayLargestFirst) {
  std::vector<ActivityRow> rows{row("web:1", "app", "idle", 3), row("web:2", "app", "active", 1),
                                row("cron", "jobs", "idle in transaction", 2),
                                row("web:1", "app", "active", 2)};
  rows[2].database = "reports";
  rows[2].client_addr = "10.0.0.2";
  const auto a = aggregate_activity(rows);
  EXPECT_EQ(a.used(), 8);
  EXPECT_EQ(a.sessions.idle, 3);
  EXPECT_EQ(a.sessions.active, 3);
  EXPECT_EQ(a.sessions.idle_in_transaction, 2);

  ASSERT_EQ(a.by_application.size(), 3U);
  EXPECT_EQ(a.by_application[0].key, "web:1");
  EXPECT_EQ(a.by_application[0].counts.total, 5);
  EXPECT_EQ(a.by_application[0].counts.active, 2);
  EXPECT_EQ(a.by_application[1].key, "cron");
  EXPECT_EQ(a.by_application[2].key, "web:2");

  ASSERT_EQ(a.by_user.size(), 2U);
  EXPECT_EQ(a.by_user[0].key, "app");
  EXPECT_EQ(a.by_user[0].counts.total, 6);
  ASSERT_NE(find(a.by_database, "reports"), nullptr);
  EXPECT_EQ(find(a.by_database, "reports")->counts.total, 2);
  ASSERT_NE(find(a.by_client_addr, "10.0.0.2"), nullptr);
  EXPECT_EQ(find(a.by_client_addr, "10.0.0.1")->counts.total, 6);
}

TEST(AggregateActivity, EqualTotalsKeepTheirKeyOrder) {
  const auto a = aggregate_activity({row("b", "u", "idle", 1), row("a", "u", "idle", 1)});
  ASSERT_EQ(a.by_application.size(), 2U);
  EXPECT_EQ(a.by_application[0].key, "a");  // a stable sort over the keys' order
  EXPECT_EQ(a.by_application[1].key, "b");
}

TEST(AggregateActivity, TopGroupsAreCappedWithTheRestAsOther) {
  std::vector<ActivityRow> rows;
  const int apps = static_cast<int>(ActivitySnapshot::kMaxGroups) + 5;
  rows.reserve(apps);
  for (int i = 0; i < apps; ++i) {
    // app00 has the most sessions, app24 the fewest.
    rows.push_back(row(fmt_key(i), "app", "idle", apps - i));
  }
  const auto a = aggregate_activity(rows);
  ASSERT_EQ(a.by_application.size(), ActivitySnapshot::kMaxGroups);
  const auto kept = ActivitySnapshot::kMaxGroups - 1;
  for (std::size_t i = 0; i < kept; ++i) {
    EXPECT_EQ(a.by_application[i].key, fmt_key(static_cast<int>(i)));
  }
  const auto& other = a.by_application.back();
  EXPECT_EQ(other.key, ActivitySnapshot::kOtherGroup);
  // The six smallest (sizes 6 down to 1) summed.
  EXPECT_EQ(other.counts.total, 6 + 5 + 4 + 3 + 2 + 1);
  EXPECT_EQ(other.counts.idle, other.counts.total);
  // Nothing is lost: the groups still add up to every session.
  int sum = 0;
  for (const auto& g : a.by_application) sum += g.counts.total;
  EXPECT_EQ(sum, a.used());
  // The pool model sees every application, uncapped.
  EXPECT_EQ(a.all_applications.size(), static_cast<std::size_t>(apps));
}

TEST(AggregateActivity, ExactlyTheCapIsNotFolded) {
  std::vector<ActivityRow> rows;
  rows.reserve(ActivitySnapshot::kMaxGroups);
  for (std::size_t i = 0; i < ActivitySnapshot::kMaxGroups; ++i) {
    rows.push_back(row(fmt_key(static_cast<int>(i)), "app", "idle", 1));
  }
  const auto a = aggregate_activity(rows);
  ASSERT_EQ(a.by_application.size(), ActivitySnapshot::kMaxGroups);
  EXPECT_EQ(find(a.by_application, ActivitySnapshot::kOtherGroup), nullptr);
}

TEST(AggregateActivity, SuperuserApplicationsListedOnceInRowOrder) {
  std::vector<ActivityRow> rows{row("psql", "postgres", "active", 1),
                                row("web:1", "app", "idle", 4), row("", "postgres", "idle", 1),
                                row("psql", "postgres", "idle", 2)};
  rows[0].superuser = true;
  rows[2].superuser = true;
  rows[3].superuser = true;
  const auto a = aggregate_activity(rows);
  EXPECT_EQ(a.superuser_applications, (std::vector<std::string>{"psql", ""}));
}

TEST(ActivitySnapshot, FreeSlotsLeaveTheAgentsOwnAndUtilizationIsOfUsable) {
  ActivitySnapshot a = aggregate_activity({row("web", "app", "idle", 7)});
  a.usable_slots = 10;
  EXPECT_EQ(a.free_slots(), 2);  // 10 - 7 - the agent's own session
  EXPECT_DOUBLE_EQ(a.utilization(), 0.7);
  a.usable_slots = 5;  // superusers past the usable slots
  EXPECT_EQ(a.free_slots(), 0);
  EXPECT_DOUBLE_EQ(a.utilization(), 1.4);
  a.usable_slots = 0;  // nothing usable: full
  EXPECT_DOUBLE_EQ(a.utilization(), 1.0);
}

TEST(WaitEvents, RankedLargestFirstAndCappedWithOther) {
  std::vector<WaitEventCount> events{
      {"Timeout", "PgSleep", 1}, {"", "", 3}, {"Lock", "relation", 18}};
  events.reserve(events.size() + 12);
  for (int i = 0; i < 12; ++i) events.push_back({"IO", "Event" + std::to_string(i), 1});
  const auto ranked = rank_wait_events(events);
  ASSERT_EQ(ranked.size(), ActivitySnapshot::kMaxWaitEvents);
  EXPECT_EQ(wait_event_name(ranked[0]), "Lock/relation");
  EXPECT_EQ(ranked[0].sessions, 18);
  EXPECT_EQ(wait_event_name(ranked[1]), "(running)");
  EXPECT_EQ(wait_event_name(ranked.back()), "(other)");
  int total = 0;
  for (const auto& w : ranked) total += w.sessions;
  EXPECT_EQ(total, 1 + 3 + 18 + 12);  // nothing lost in the cap
  EXPECT_TRUE(rank_wait_events({}).empty());
}

}  // namespace
}  // namespace opsagent::probes
