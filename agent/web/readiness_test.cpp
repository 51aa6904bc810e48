#include "agent/web/readiness.hpp"

#include <gtest/gtest.h>

#include "probes/model/test_snapshots.hpp"

namespace opsagent::web {
namespace {

using namespace std::chrono_literals;
using probes::CheckStatus;
using probes::ErrorClass;

using probes::testing::make_check;
using probes::testing::snapshot_of;

const auto now = SteadyClock::now();

TEST(EvaluateReadiness, StartsNotReady) {
  auto r = evaluate_readiness(nullptr, now, 15s, false);
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.key, "starting");
}

TEST(EvaluateReadiness, ReadyWhenFreshAndAllPass) {
  auto s = snapshot_of(now - 1s, {make_check("postgres:connection", CheckStatus::pass),
                                  make_check("schema:tables", CheckStatus::pass)});
  auto r = evaluate_readiness(&s, now, 15s, false);
  EXPECT_TRUE(r.ready);
  EXPECT_EQ(r.key, "ready");
}

TEST(EvaluateReadiness, WarningsStillReady) {
  auto s = snapshot_of(now, {make_check("postgres:connection", CheckStatus::warn)});
  EXPECT_TRUE(evaluate_readiness(&s, now, 15s, false).ready);
}

TEST(EvaluateReadiness, DrainingWinsOverEverything) {
  auto s = snapshot_of(now, {make_check("postgres:connection", CheckStatus::pass)});
  auto r = evaluate_readiness(&s, now, 15s, true);
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.key, "draining");
}

TEST(EvaluateReadiness, StaleSnapshotIsNotReady) {
  auto s = snapshot_of(now - 16s, {make_check("postgres:connection", CheckStatus::pass)});
  auto r = evaluate_readiness(&s, now, 15s, false);
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.key, "stalled");
  EXPECT_NE(r.reason.find("probe stalled"), std::string::npos);
}

TEST(EvaluateReadiness, FirstFailingCheckGivesTheReason) {
  auto s = snapshot_of(now, {make_check("postgres:connection", CheckStatus::pass),
                             make_check("schema:tables", CheckStatus::fail,
                                        "missing tables: permits", ErrorClass::missing_tables)});
  auto r = evaluate_readiness(&s, now, 15s, false);
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.key, "schema:tables:missing_tables");
  EXPECT_EQ(r.reason, "schema:tables: missing tables: permits");
}

TEST(EvaluateReadiness, NonGatingFailureDoesNotBlock) {
  auto c = make_check("info:only", CheckStatus::fail, {}, ErrorClass::unknown);
  c.gates_readiness = false;
  auto s = snapshot_of(now, {c});
  EXPECT_TRUE(evaluate_readiness(&s, now, 15s, false).ready);
}

TEST(EvaluateLiveness, FollowsTheHeartbeat) {
  EXPECT_TRUE(evaluate_liveness(now - 29s, now, 15s));
  EXPECT_FALSE(evaluate_liveness(now - 31s, now, 15s));
}

TEST(ReadinessLog, LogsEachTransitionOnce) {
  ReadinessLog log;
  EXPECT_TRUE(log.observe({false, "starting", "starting"}));
  EXPECT_FALSE(log.observe({false, "starting", "starting"}));
  EXPECT_TRUE(log.observe({true, "ready", "ok"}));
  EXPECT_FALSE(log.observe({true, "ready", "ok"}));
  EXPECT_TRUE(log.observe({false, "schema:tables:missing_tables", "missing"}));
  EXPECT_TRUE(log.observe({false, "postgres:connection:refused", "refused"}));
}

}  // namespace
}  // namespace opsagent::web
