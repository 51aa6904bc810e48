// Builders of Snapshot parts for unit tests of whatever reads the model (views, metrics,
// readiness, alert rules): one place that knows how to make a check result, session counts or
// a snapshot, instead of a copy in each test. Test-only and header-only: no product code
// includes it. Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "probes/model/snapshot.hpp"

namespace opsagent::probes::testing {

inline CheckResult make_check(std::string name, CheckStatus status, std::string message = {},
                              ErrorClass error = ErrorClass::none, bool gates_readiness = true) {
  CheckResult c;
  c.name = std::move(name);
  c.status = status;
  c.message = std::move(message);
  c.error = error;
  c.gates_readiness = gates_readiness;
  return c;
}

// Sessions by state; the total counts every state given (the aborted ones included).
inline SessionCounts session_counts(int active, int idle, int idle_in_transaction = 0,
                                    int idle_in_transaction_aborted = 0, int waiting_on_locks = 0) {
  SessionCounts c;
  c.active = active;
  c.idle = idle;
  c.idle_in_transaction = idle_in_transaction;
  c.idle_in_transaction_aborted = idle_in_transaction_aborted;
  c.waiting_on_locks = waiting_on_locks;
  c.total = active + idle + idle_in_transaction + idle_in_transaction_aborted;
  return c;
}

// A snapshot of one cycle that completed at `completed` with these checks and nothing else.
inline Snapshot snapshot_of(SteadyClock::time_point completed, std::vector<CheckResult> checks,
                            std::uint64_t sequence = 1) {
  Snapshot s;
  s.sequence = sequence;
  s.completed = completed;
  s.checks = std::move(checks);
  return s;
}

// The stuck migration: pid 123 (web:4567) idle in a transaction for 5 minutes, the ALTER TABLE
// of pid 456 (migrate) waiting `wait_s` for its AccessExclusiveLock behind it, and `queued`
// readers (pids 1000, 1001, ...; web:0, web:1, ...) behind the ALTER, the first waiting longest.
// Built into a tree of at most `max_sessions`.
inline LockTree stuck_migration_tree(double wait_s, int queued, std::size_t max_sessions = 50) {
  LockSession root;
  root.pid = 123;
  root.application_name = "web:4567";
  root.state = "idle in transaction";
  root.state_age_s = 300;
  LockSession alter;
  alter.pid = 456;
  alter.application_name = "migrate";
  alter.state = "active";
  alter.wait_mode = "AccessExclusiveLock";
  alter.wait_target = "permits";
  alter.wait_s = wait_s;
  alter.query = "ALTER TABLE permits ADD COLUMN x int";
  alter.blocked_by = {123};
  std::vector<LockSession> rows{root, alter};
  rows.reserve(rows.size() + static_cast<std::size_t>(queued));
  for (int i = 0; i < queued; ++i) {
    LockSession r;
    r.pid = 1000 + i;
    r.application_name = "web:" + std::to_string(i);
    r.state = "active";
    r.wait_mode = "AccessShareLock";
    r.wait_s = wait_s * (queued - i) / (queued + 1);
    r.blocked_by = {456};
    rows.push_back(r);
  }
  auto tree = build_lock_tree(rows, max_sessions);
  tree.waiting_seen = tree.waiting;
  return tree;
}

}  // namespace opsagent::probes::testing
