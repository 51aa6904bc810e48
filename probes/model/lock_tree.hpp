// Who blocks whom: the lock queues read from pg_blocking_pids() when sessions wait on locks (the
// statement is probes/postgres/lock_query.hpp), the one-line summary of each queue the on-call
// reads first, and the postgres:locks check.
//
// A queue is a root (a session that waits on nothing itself: often idle in a transaction, or a
// long statement) and every session waiting behind it, directly or behind another waiter. Its
// head is the waiter first in line behind the root: in the deploy that takes an app down, an
// ALTER TABLE waiting for an AccessExclusiveLock, with the app's queries queued behind the ALTER.
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "probes/model/check_result.hpp"

namespace opsagent::probes {

// One session of the tree, as pg_stat_activity and pg_locks showed it.
struct LockSession {
  int pid = 0;
  std::string application_name;
  std::string backend_type;           // "client backend", "autovacuum worker", ...
  std::string state;                  // "active", "idle in transaction", ...; "" when hidden
  std::optional<double> state_age_s;  // since the state last changed
  std::optional<double> xact_age_s;   // the open transaction's age
  // The lock it waits for; empty mode: it waits for none (a root).
  std::string wait_mode;         // "AccessExclusiveLock"
  std::string wait_target;       // "permits", "a row (transaction 1234)", ...
  std::optional<double> wait_s;  // how long it has waited for it
  std::string query;             // literals masked, printable, cut (sql_text.hpp)
  std::vector<int> blocked_by;   // pg_blocking_pids(): empty when it waits on nothing

  bool waiting() const { return !blocked_by.empty() || !wait_mode.empty(); }
};

struct LockNode {
  LockSession session;
  int depth = 0;   // 0: the queue's root; 1: waits directly behind it; ...
  int behind = 0;  // sessions waiting behind this one, directly or not
};

struct LockQueue {
  // Depth first, the root first and each session's waiters in line order (longest wait first).
  // Cut when the tree reached its bound: `waiting` still counts every waiter.
  std::vector<LockNode> nodes;
  int waiting = 0;  // sessions waiting in this queue
  int cut = 0;      // of them, not in `nodes`

  const LockNode& root() const { return nodes.front(); }
  // The waiter first in line behind the root (the root itself when it waits behind sessions the
  // agent cannot see).
  const LockNode& head() const;
  double head_wait_s() const;
};

struct LockTree {
  std::vector<LockQueue> queues;  // the most waiting sessions first, then the longest head wait
  int waiting = 0;                // sessions waiting on locks, in every queue
  int queues_cut = 0;             // queues left out at the bound (their sessions are in waiting)
  // Why the tree was not read although sessions wait (a failed or timed-out statement,
  // locks.enabled = false); empty when it was read (then `waiting` is as of that read) or
  // nothing waits.
  std::string unread;
  // Sessions waiting on locks as the cycle's activity statement counted them.
  int waiting_seen = 0;

  bool empty() const { return queues.empty(); }
  double longest_head_wait_s() const;
  int largest_queue() const;
};

// Builds the queues from the sessions the statement returned (waiters and their blockers, in any
// order), keeping at most `max_sessions` sessions in all. A waiter blocked by several sessions
// is placed behind the one that waits itself and has waited longest (it is queued behind it), or
// else behind the first root; a cycle (a deadlock before the server breaks it) is cut at its
// lowest pid.
LockTree build_lock_tree(std::vector<LockSession> sessions, std::size_t max_sessions);

// "ALTER TABLE permits ADD COLUMN … (pid 456, migrate) waiting 42s for AccessExclusiveLock on
// permits behind pid 123 (idle in transaction 5m00s, web:4567); 17 sessions queued behind it".
std::string queue_summary(const LockQueue& queue);

// One session as a line of the tree, without its indentation: "pid 123 web:4567 idle in
// transaction 5m00s: UPDATE permits SET …" or "pid 456 migrate waits 42s for
// AccessExclusiveLock on permits: ALTER TABLE …".
std::string session_line(const LockSession& s);

// The check "postgres:locks": pass while nothing waits; warn while a queue exists (or sessions
// wait and the tree could not be read); fail once a head has waited locks.critical_after, which
// gates readiness only with locks.gates_readiness. Its observed value is the longest head wait.
CheckResult locks_check(const LockTree& tree, const config::LocksSection& locks);

}  // namespace opsagent::probes
