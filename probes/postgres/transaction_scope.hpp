// How the agent keeps its hands off sessions it does not own. Behind PgBouncer in transaction
// or statement mode the agent's "session" is a server connection lent for one transaction and
// then handed to the app, so a session-level SET, set_config(..., false) or advisory lock would
// land in the app's next transactions (it once made the app read-only with a 5 s timeout).
// So nothing the agent sends is session state: each pipeline segment (the statements up to a
// Sync) runs as one transaction that starts with transaction_settings() and ends at the Sync,
// where the server drops every local setting. Segments that run the user's SQL end with
// ROLLBACK, which also undoes any session-level setting that SQL made.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <vector>

#include "config/config.hpp"
#include "probes/postgres/pg_connection.hpp"

namespace opsagent::probes {

// SELECT set_config(statement_timeout, lock_timeout, transaction_read_only, true): for the
// rest of this segment's transaction only. Its 4th column is pg_backend_pid(): the server
// process this segment runs on (see serves_through_pooler()). With `user_sql` also
// plan_cache_mode back to the session's default (RESET value) for this transaction: the user's
// parameterised queries are planned as the server would, whatever session_settings() set.
PipelineStatement transaction_settings(const config::DatabaseSection& database,
                                       bool user_sql = false);

// For a session the agent owns (a direct connection, serves_through_pooler() == false), once per
// connection: the same limits made session defaults (statement_timeout, lock_timeout,
// default_transaction_read_only = on) and plan_cache_mode = force_generic_plan: left to
// itself the server keeps planning the prepared activity statement every cycle (a custom plan
// for its NULL parameter looks cheaper; bench/RESULTS.md), which was most of a cycle's cost.
// Segments of user SQL (ending with ROLLBACK, which undoes whatever that SQL changes of these)
// set plan_cache_mode back for their transaction (transaction_settings(..., true)).
PipelineStatement session_settings(const config::DatabaseSection& database);

// ROLLBACK as the last statement of a segment: outside BEGIN it aborts the segment's implicit
// transaction (the server warns "no transaction in progress", which the agent ignores).
PipelineStatement rollback_statement();

// One segment: transaction_settings(), then `body`, then ROLLBACK when `roll_back` (the user's
// SQL: transaction_settings(database, true)); Sync after the last statement only, so an error
// skips the rest of this segment and nothing else.
std::vector<PipelineStatement> scoped_segment(const config::DatabaseSection& database,
                                              std::vector<PipelineStatement> body, bool roll_back);

// The probe's own segment (no user SQL in `body`): on an owned session (`owned`, settings made
// by session_settings()) `body` alone, as named prepared statements, Sync after the last; else
// scoped_segment(database, body, false).
std::vector<PipelineStatement> probe_segment(const config::DatabaseSection& database,
                                             std::vector<PipelineStatement> body, bool owned);

// True when `settings_result` (of transaction_settings()) came from a server process other than
// the one the connection announced at connect: a pooler (PgBouncer hands out its own key)
// stands between the agent and Postgres. nullopt when the result is not readable.
std::optional<bool> serves_through_pooler(const pg_result* settings_result,
                                          const PgConnection& connection);

}  // namespace opsagent::probes
