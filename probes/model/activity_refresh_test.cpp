#include "probes/model/activity_refresh.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;

// A pulse with the status array, as every full read takes one.
ActivityPulse idle_pulse() {
  return ActivityPulse{.sessions_started = 4711,
                       .full_view = true,
                       .status = BackendStatusPulse{.backends = 92,
                                                    .pid_sum = 123456,
                                                    .newest_start = "2026-12-03 05:00:00.1+00",
                                                    .visible = 92,
                                                    .in_transaction = 0}};
}

// The pulse of a cycle that does not look at the status array.
ActivityPulse cheap(const ActivityPulse& p) {
  return ActivityPulse{
      .sessions_started = p.sessions_started, .full_view = p.full_view, .status = std::nullopt};
}

TEST(ActivityReadReason, AStillIdlePulseKeepsTheLastReadUntilTheRefresh) {
  EXPECT_EQ(activity_read_reason(idle_pulse(), idle_pulse(), 1s), ActivityReadReason::none);
  EXPECT_EQ(activity_read_reason(idle_pulse(), cheap(idle_pulse()), 1s), ActivityReadReason::none);
  EXPECT_EQ(activity_read_reason(idle_pulse(), idle_pulse(), kActivityRefresh - 1ms),
            ActivityReadReason::none);
  EXPECT_EQ(activity_read_reason(idle_pulse(), cheap(idle_pulse()), kActivityRefresh),
            ActivityReadReason::due);
}

TEST(ActivityReadReason, NothingReadYetOrAnUnreadablePulseReads) {
  EXPECT_EQ(activity_read_reason(std::nullopt, idle_pulse(), 0s), ActivityReadReason::first);
  EXPECT_EQ(activity_read_reason(idle_pulse(), std::nullopt, 1s),
            ActivityReadReason::pulse_unreadable);
}

TEST(ActivityReadReason, ALoginReadsAtOnceWithoutTheStatusArray) {
  auto login = cheap(idle_pulse());
  ++login.sessions_started;
  EXPECT_EQ(activity_read_reason(idle_pulse(), login, 1s), ActivityReadReason::sessions_changed);
  // The role was granted pg_read_all_stats: the same sessions, more of them to see.
  auto granted = cheap(idle_pulse());
  granted.full_view = false;
  EXPECT_EQ(activity_read_reason(granted, cheap(idle_pulse()), 1s),
            ActivityReadReason::sessions_changed);
}

TEST(ActivityReadReason, TheStatusArrayShowsSessionsThatWentOrWereReplaced) {
  auto fewer = idle_pulse();
  --fewer.status->backends;
  fewer.status->pid_sum -= 4242;
  EXPECT_EQ(activity_read_reason(idle_pulse(), fewer, 1s), ActivityReadReason::sessions_changed);
  // One left as another arrived: the same number, another set.
  auto swapped = idle_pulse();
  swapped.status->pid_sum += 17;
  swapped.status->newest_start = "2026-12-03 05:00:07.3+00";
  EXPECT_EQ(activity_read_reason(idle_pulse(), swapped, 1s), ActivityReadReason::sessions_changed);
  // The new one's pid happened to sum the same: its start time still tells.
  auto same_sum = idle_pulse();
  same_sum.status->newest_start = "2026-12-03 05:00:08.0+00";
  EXPECT_EQ(activity_read_reason(idle_pulse(), same_sum, 1s), ActivityReadReason::sessions_changed);
  // Fewer of them visible (another role's view of the same sessions).
  auto hidden = idle_pulse();
  hidden.status->visible = 60;
  EXPECT_EQ(activity_read_reason(idle_pulse(), hidden, 1s), ActivityReadReason::sessions_changed);
}

TEST(ActivityReadReason, ATransactionReadsEveryCycleAndOnceMoreWhenItEnds) {
  auto busy = idle_pulse();
  busy.status->in_transaction = 1;
  EXPECT_EQ(activity_read_reason(idle_pulse(), busy, 1s), ActivityReadReason::in_transaction);
  // While the last read saw one, even a pulse without the status array reads.
  EXPECT_EQ(activity_read_reason(busy, cheap(busy), 1s), ActivityReadReason::in_transaction);
  // It ended: one more read shows everything idle again, then the pulse rests.
  EXPECT_EQ(activity_read_reason(busy, idle_pulse(), 1s), ActivityReadReason::in_transaction);
  EXPECT_EQ(activity_read_reason(idle_pulse(), cheap(idle_pulse()), 1s), ActivityReadReason::none);
}

TEST(StatusPulseDue, EveryFewSecondsOnAnIdleDatabaseOnly) {
  EXPECT_FALSE(status_pulse_due(idle_pulse(), 1s));
  EXPECT_FALSE(status_pulse_due(idle_pulse(), kStatusPulseEvery - 1ms));
  EXPECT_TRUE(status_pulse_due(idle_pulse(), kStatusPulseEvery));
  // Nothing read yet, or a transaction at the last read: the cycle reads in full anyway.
  EXPECT_FALSE(status_pulse_due(std::nullopt, 1h));
  auto busy = idle_pulse();
  busy.status->in_transaction = 2;
  EXPECT_FALSE(status_pulse_due(busy, 1h));
}

TEST(AgedActivity, EveryAgeItCarriesGrowsAndNothingElse) {
  ActivitySnapshot read;
  read.max_connections = 100;
  read.usable_slots = 97;
  read.sessions.total = 3;
  read.sessions.idle = 2;
  read.sessions.idle_in_transaction = 1;
  read.sessions.oldest_xact_s = 10;
  read.sessions.oldest_idle_in_xact_s = 8;
  GroupCount web{"web:1", read.sessions};
  read.by_application = {web};
  read.all_applications = {web};
  ActivityRow row;
  row.application_name = "web:1";
  row.counts = read.sessions;
  row.oldest_backend_s = 100;
  row.idle_in_xact_ages = {8, 2};
  read.rows = {row};

  const auto aged = aged_activity(read, 5);
  EXPECT_EQ(aged.sessions.total, 3);
  EXPECT_EQ(aged.usable_slots, 97);
  EXPECT_DOUBLE_EQ(*aged.sessions.oldest_xact_s, 15);
  EXPECT_DOUBLE_EQ(*aged.sessions.oldest_idle_in_xact_s, 13);
  EXPECT_FALSE(aged.sessions.longest_query_s.has_value());
  EXPECT_DOUBLE_EQ(*aged.by_application[0].counts.oldest_xact_s, 15);
  EXPECT_DOUBLE_EQ(*aged.all_applications[0].counts.oldest_idle_in_xact_s, 13);
  EXPECT_DOUBLE_EQ(*aged.rows[0].oldest_backend_s, 105);
  EXPECT_EQ(aged.rows[0].idle_in_xact_ages, (std::vector<double>{13, 7}));
  // Time running backwards (a clock step) ages nothing.
  EXPECT_DOUBLE_EQ(*aged_activity(read, -3).rows[0].oldest_backend_s, 100);
}

}  // namespace
}  // namespace opsagent::probes
