#include "probes/model/lock_tree.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

LockSession idle_in_tx(int pid, std::string app, double age_s) {
  LockSession s;
  s.pid = pid;
  s.application_name = std::move(app);
  s.backend_type = "client backend";
  s.state = "idle in transaction";
  s.state_age_s = age_s;
  s.xact_age_s = age_s + 1;
  s.query = "UPDATE permits SET status = '?' WHERE id = 7";
  return s;
}

LockSession waiter(int pid, std::string app, std::vector<int> blockers, double wait_s,
                   std::string mode = "AccessShareLock",
                   std::string query = "SELECT * FROM permits") {
  LockSession s;
  s.pid = pid;
  s.application_name = std::move(app);
  s.backend_type = "client backend";
  s.state = "active";
  s.state_age_s = wait_s;
  s.xact_age_s = wait_s;
  s.wait_mode = std::move(mode);
  s.wait_target = "permits";
  s.wait_s = wait_s;
  s.query = std::move(query);
  s.blocked_by = std::move(blockers);
  return s;
}

// The deploy case: an ALTER TABLE behind an idle-in-transaction session, the app's queries
// queued behind the ALTER (their blockers name the ALTER, some the root as well).
std::vector<LockSession> stuck_migration(int queued) {
  std::vector<LockSession> rows;
  rows.reserve(static_cast<std::size_t>(queued) + 2);
  for (int i = 0; i < queued; ++i) {
    rows.push_back(waiter(1000 + i, "web:" + std::to_string(1000 + i),
                          i % 2 == 0 ? std::vector<int>{456} : std::vector<int>{123, 456},
                          1.0 + i * 0.1));
  }
  rows.push_back(waiter(456, "migrate", {123}, 42, "AccessExclusiveLock",
                        "ALTER TABLE permits ADD COLUMN inspector_id bigint"));
  rows.push_back(idle_in_tx(123, "web:4567", 300));
  return rows;
}

TEST(LockTree, MigrationQueueHasRootThenHeadThenTheQueue) {
  const auto tree = build_lock_tree(stuck_migration(17), 50);
  ASSERT_EQ(tree.queues.size(), 1U);
  EXPECT_EQ(tree.waiting, 18);
  const auto& q = tree.queues[0];
  EXPECT_EQ(q.waiting, 18);
  ASSERT_EQ(q.nodes.size(), 19U);
  EXPECT_EQ(q.root().session.pid, 123);
  EXPECT_EQ(q.root().depth, 0);
  EXPECT_EQ(q.head().session.pid, 456);
  EXPECT_EQ(q.head().depth, 1);
  EXPECT_EQ(q.head().behind, 17);
  EXPECT_DOUBLE_EQ(q.head_wait_s(), 42);
  // Behind the ALTER in line order: the longest wait first.
  EXPECT_EQ(q.nodes[2].session.pid, 1016);
  EXPECT_EQ(q.nodes[2].depth, 2);
  EXPECT_EQ(q.nodes.back().session.pid, 1000);
}

TEST(LockTree, SummaryNamesTheMigrationItsBlockerAndTheQueue) {
  const auto tree = build_lock_tree(stuck_migration(17), 50);
  EXPECT_EQ(queue_summary(tree.queues[0]),
            "ALTER TABLE permits ADD COLUMN inspector_id bigint (pid 456, migrate) waiting 42.0s "
            "for AccessExclusiveLock on permits behind pid 123 (idle in transaction 5m00s, "
            "web:4567); 17 sessions queued behind it");
}

TEST(LockTree, LargestQueueFirstAndSecondRootKept) {
  auto rows = stuck_migration(3);
  rows.push_back(idle_in_tx(200, "cron", 10));
  rows.push_back(waiter(201, "web:9", {200}, 120, "ShareLock", "UPDATE jobs SET x = 1"));
  rows.back().wait_target = "a row (transaction 999)";
  const auto tree = build_lock_tree(rows, 50);
  ASSERT_EQ(tree.queues.size(), 2U);
  EXPECT_EQ(tree.queues[0].root().session.pid, 123);
  EXPECT_EQ(tree.queues[1].root().session.pid, 200);
  EXPECT_EQ(tree.waiting, 5);
  EXPECT_EQ(tree.largest_queue(), 4);
  EXPECT_DOUBLE_EQ(tree.longest_head_wait_s(), 120);
  EXPECT_EQ(session_line(tree.queues[1].head().session),
            "pid 201 web:9 waits 2m00s for ShareLock on a row (transaction 999): UPDATE jobs SET "
            "x = 1");
}

TEST(LockTree, BoundCutsTheTailAndCountsIt) {
  const auto tree = build_lock_tree(stuck_migration(17), 5);
  ASSERT_EQ(tree.queues.size(), 1U);
  EXPECT_EQ(tree.queues[0].nodes.size(), 5U);
  EXPECT_EQ(tree.queues[0].cut, 14);
  EXPECT_EQ(tree.queues[0].waiting, 18);  // still every waiter
  EXPECT_EQ(tree.queues[0].head().behind, 17);

  auto rows = stuck_migration(3);
  rows.push_back(idle_in_tx(200, "cron", 10));
  rows.push_back(waiter(201, "web:9", {200}, 1));
  const auto two = build_lock_tree(rows, 5);
  EXPECT_EQ(two.queues.size(), 1U);
  EXPECT_EQ(two.queues_cut, 1);
  EXPECT_EQ(two.waiting, 5);
}

TEST(LockTree, DeadlockCycleIsCutAtItsLowestPid) {
  std::vector<LockSession> rows{waiter(20, "a", {10}, 0.5), waiter(10, "b", {20}, 0.4)};
  const auto tree = build_lock_tree(rows, 50);
  ASSERT_EQ(tree.queues.size(), 1U);
  EXPECT_EQ(tree.queues[0].root().session.pid, 10);
  EXPECT_EQ(tree.queues[0].waiting, 2);
}

TEST(LockTree, WaiterWhoseBlockerIsGoneIsItsOwnQueue) {
  const auto tree = build_lock_tree({waiter(7, "web:1", {99}, 3)}, 50);
  ASSERT_EQ(tree.queues.size(), 1U);
  EXPECT_EQ(&tree.queues[0].head(), &tree.queues[0].root());
  EXPECT_NE(queue_summary(tree.queues[0]).find("behind sessions not in view"), std::string::npos);
  EXPECT_TRUE(build_lock_tree({idle_in_tx(1, "x", 5)}, 50).empty());
  // A waiter whose blocker is not in view, with others behind it: it heads its queue.
  const auto chain = build_lock_tree({waiter(7, "web:1", {99}, 3), waiter(8, "web:2", {7}, 1)}, 50);
  ASSERT_EQ(chain.queues.size(), 1U);
  EXPECT_EQ(chain.queues[0].head().session.pid, 7);
  EXPECT_NE(queue_summary(chain.queues[0]).find("; 1 session queued behind it"), std::string::npos)
      << queue_summary(chain.queues[0]);
}

TEST(LocksCheck, PassWarnFailAndGating) {
  config::LocksSection locks;
  LockTree none;
  EXPECT_EQ(locks_check(none, locks).status, CheckStatus::pass);

  auto tree = build_lock_tree(stuck_migration(17), 50);
  tree.waiting_seen = 18;
  auto c = locks_check(tree, locks);
  EXPECT_EQ(c.status, CheckStatus::warn);
  EXPECT_FALSE(c.gates_readiness);
  EXPECT_EQ(c.message.rfind("18 sessions waiting in 1 lock queue: ALTER TABLE", 0), 0U)
      << c.message;
  EXPECT_DOUBLE_EQ(c.observed_value.value_or(-1), 42);

  locks.critical_after = std::chrono::seconds(30);
  c = locks_check(tree, locks);
  EXPECT_EQ(c.status, CheckStatus::fail);
  EXPECT_EQ(c.error, ErrorClass::lock_queue);
  EXPECT_FALSE(c.gates_readiness);
  locks.gates_readiness = true;
  EXPECT_TRUE(locks_check(tree, locks).gates_readiness);

  LockTree unread;
  unread.waiting_seen = 3;
  unread.unread = "not read (locks.enabled = false)";
  c = locks_check(unread, locks);
  EXPECT_EQ(c.status, CheckStatus::warn);
  EXPECT_NE(c.message.find("3 sessions waiting on locks"), std::string::npos);

  LockTree ended;  // read, but the waits were over by then
  ended.waiting_seen = 2;
  EXPECT_EQ(locks_check(ended, locks).status, CheckStatus::pass);
}

}  // namespace
}  // namespace opsagent::probes
