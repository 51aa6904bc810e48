// The termination statement of pool.terminate_idle_in_transaction (probes/model/termination.hpp):
// sent only in a cycle whose own activity data shows a session that qualifies, in a segment of
// its own under the agent's transaction settings (read-only: pg_terminate_backend writes
// nothing), never through a pooler. The statement re-checks every condition itself at the moment
// it terminates: not the agent's own session, a client backend of terminate_role that is not a
// superuser, idle in a transaction for terminate_after, named like a terminable declared client,
// and the pool still at or above warn. In dry_run it selects the same sessions without
// terminating any. Fixed text and parameters only.
// Thread-safety: pure functions, except run_termination, which uses the connection it is given
// (owned by the probe thread).
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "probes/model/pool_model.hpp"
#include "probes/model/termination.hpp"
#include "probes/postgres/pg_connection.hpp"

namespace opsagent::probes {

// The statement; nullopt when no count of sessions reaches pool.warn (nothing can qualify).
std::optional<PipelineStatement> termination_statement(const config::PoolSection& pool,
                                                       int usable_slots, int max_connections);

// Reads its rows (pid, application_name, usename, age, state_change epoch, terminated); each
// row's client is the first declared client its name matches, and its mode the pool's.
std::expected<std::vector<Termination>, std::string> read_terminations(
    const pg_result* result, const config::PoolSection& pool);

// One cycle's termination step: nothing (nullopt) unless termination_due(); a note and no
// statement through a pooler; else the statement in its own segment. A failed round trip drops
// `connection` (its pipeline state is unknown).
std::optional<TerminationRound> run_termination(std::optional<PgConnection>& connection,
                                                bool via_pooler, const config::Config& config,
                                                const ActivitySnapshot& activity,
                                                const PoolReport& pool, Deadline deadline,
                                                const std::string& secret);

}  // namespace opsagent::probes
