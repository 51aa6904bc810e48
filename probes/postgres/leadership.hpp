// Alert leadership: when several agents watch one database (one per app replica), one of them
// sends the notifications. Leadership is a Postgres advisory lock that can never outlive the
// agent's own use of a connection, held one of two ways:
// - Direct to Postgres (the agent owns its session): a session-level lock on the probe's own
//   session (leadership_statement). The server releases it when the session ends, so a killed
//   leader's lock frees itself and the next agent to ask takes over.
// - Through a pooler (PgBouncer): a session lock would stay on a server connection that the
//   app uses next. Instead PooledLeadership holds a transaction-level lock in an open read-only
//   transaction on a connection of its own: the pooler keeps that one server connection linked
//   to the agent exactly while the transaction is open, the lock ends with the transaction, and
//   a dead agent's transaction ends when PgBouncer closes its server connection (or at the
//   transaction's idle_in_transaction_session_timeout, set to agent.stale_after). It costs the
//   leader one of the pooler's server connections. Statement pooling refuses transactions:
//   there leadership is unavailable and every agent sends.
// Thread-safety: pure functions; a PooledLeadership is driven by one thread (the probe loop).
#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "probes/postgres/pg_connection.hpp"

namespace opsagent::probes {

// The advisory lock key, two int4s: "opsa" and 1. Advisory locks are per database, so every
// agent on the same database competes for the same lock.
inline constexpr int kLeadershipLockClass = 0x6f707361;
inline constexpr int kLeadershipLockId = 1;

// SELECT pg_try_advisory_lock(...): true when this session now holds the lock. Asked only by an
// agent that does not hold it yet (a holder asking again would stack the lock).
PipelineStatement leadership_statement();

// The statement's answer: true (leader), false (another session holds it), or why it failed.
std::expected<bool, std::string> read_leadership(const pg_result* result);

class PooledLeadership {
 public:
  struct Turn {
    std::optional<bool> leader;  // nullopt: could not tell this cycle
    // The backend whose open transaction holds the lease: this agent's while it leads, the
    // leader's while it follows (nullopt when unknown). The activity reads leave it out of their
    // counts and of "a session is in a transaction", as the leader does with its own.
    std::optional<int> server_pid;
    std::string unavailable;  // why leadership cannot work here (statement pooling)
  };

  // Takes, keeps or re-checks the lease; bounded by `deadline`.
  Turn step(const ConnectionTarget& target, const config::Config& config, Deadline deadline);
  // Ends the lease (drops the connection): the pooler closes or resets the server connection.
  void release();
  // A follower's idea of the leader's lease may be out of date (a session in a transaction
  // showed up that it does not explain): read pg_locks again at the next turn. Otherwise a
  // follower reads it on its first turn as one and then every kHolderRecheck: the view copies
  // the server's whole lock table, not a thing to ask every cycle.
  void doubt_holder() { holder_doubted_ = true; }
  static constexpr std::chrono::seconds kHolderRecheck{60};

 private:
  std::optional<PgConnection> connection_;
  bool held_ = false;
  int server_pid_ = 0;
  std::string unavailable_;
  std::optional<int> holder_;  // the leader's lease backend, as a follower last read it
  std::optional<SteadyClock::time_point> holder_read_at_;  // nullopt: not read as a follower
  bool holder_doubted_ = false;
};

}  // namespace opsagent::probes
