// The blocking tree's statement: every session waiting on a lock, what it waits for and who
// blocks it (pg_blocking_pids()), and every blocker, from pg_stat_activity and pg_locks. Sent
// only in cycles whose activity statement saw a session waiting on a lock, in a segment of its
// own under the agent's transaction settings (read-only, statement and lock timeouts).
// Thread-safety: pure functions.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "probes/model/lock_tree.hpp"
#include "probes/postgres/pg_connection.hpp"

namespace opsagent::probes {

// The statement (fixed text, no parameters).
PipelineStatement lock_tree_statement();

// Reads its rows: statements with literals masked, printable and cut; an error message when the
// result's shape is not what the statement returns.
std::expected<std::vector<LockSession>, std::string> read_lock_sessions(const pg_result* result);

}  // namespace opsagent::probes
