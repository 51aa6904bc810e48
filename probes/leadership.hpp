// Alert leadership: when several agents watch one database (one per app replica), the one whose
// probe connection holds a session-level Postgres advisory lock sends the notifications. The lock
// lives as long as that session, so a killed leader's lock is released by the server and the
// next agent to ask takes over. Session locks need a real session: behind a transaction-pooling
// PgBouncer set alerts.leader_election = false. Thread-safety: pure functions.
#pragma once

#include <expected>
#include <string>

#include "probes/pg_connection.hpp"

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

}  // namespace opsagent::probes
