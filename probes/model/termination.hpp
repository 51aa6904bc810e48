// Guarded termination of declared clients' sessions idle in a transaction
// (pool.terminate_idle_in_transaction): whether a cycle has anything to ask the server about, the
// parameters the termination statement re-checks every condition with
// (probes/postgres/termination_query.hpp), and the record of what was terminated (or, in dry_run,
// would have been) that /health, /status, /metrics and the alert show. Off by default.
// Thread-safety: plain values and pure functions; a TerminationRecord is owned by one thread (the
// probe loop), and snapshots carry copies.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "probes/model/activity.hpp"
#include "probes/model/check_result.hpp"
#include "probes/model/pool_model.hpp"

namespace opsagent::probes {

using TerminateMode = config::PoolSection::Terminate;

// One session terminated, or in dry_run one that would have been.
struct Termination {
  std::chrono::system_clock::time_point at;         // first reported
  std::chrono::system_clock::time_point last_seen;  // dry_run: still a candidate then
  int pid = 0;
  std::string application_name;  // printable (utf8 printable())
  std::string role;
  std::string client;             // the first declared client whose pattern matches
  double age_s = 0;               // how long it had been idle in its transaction
  double state_change_epoch = 0;  // with pid, tells one idle-in-transaction episode
  TerminateMode mode = TerminateMode::dry_run;
  bool terminated = false;  // pg_terminate_backend answered true (always false in dry_run)
  bool operator==(const Termination&) const = default;
};

// What one cycle did. Absent from the cycle when nothing qualified (no statement was sent).
struct TerminationRound {
  bool sent = false;                  // the termination statement ran
  std::vector<Termination> sessions;  // its rows (at/last_seen unset)
  std::string note;  // why nothing could be done (through a pooler, a failed statement)
};

// What the agent has terminated since it started, as the snapshot carries it.
struct TerminationRecord {
  TerminateMode mode = TerminateMode::off;
  std::vector<Termination> recent;  // newest first, at most kMaxRecent
  // Per client and mode since the agent started: terminated sessions (on), candidates (dry_run).
  std::map<std::pair<std::string, TerminateMode>, std::uint64_t> totals;
  std::string note;  // the latest round's note, "" when it had none
  // Warn, alert and show as recent for this long after the last termination.
  static constexpr std::chrono::minutes kQuietPeriod{15};
  static constexpr std::size_t kMaxRecent = 20;

  // Entries last seen within kQuietPeriod before `now`.
  std::vector<const Termination*> within_quiet_period(
      std::chrono::system_clock::time_point now) const;
};

// A client's application_name glob as a LIKE pattern (escape character '\'): '*' becomes '%',
// '?' '_', and a literal '%', '_' or '\' is escaped.
std::string glob_to_like(std::string_view glob);

// The LIKE patterns of the clients whose sessions may be terminated: every declared client but
// those connecting through PgBouncer (Postgres sees PgBouncer's server connections for them).
std::vector<std::string> terminable_patterns(const config::PoolSection& pool);

// The fewest client backends (the agent's own not counted) at which `warn` is reached, given the
// usable slots; nullopt when no count up to max_connections reaches it. The statement compares
// its own count with this, so the pool must still be at or above warn when it terminates.
std::optional<int> warn_reached_at(const config::Threshold& warn, int usable_slots,
                                   int max_connections);

// Whether this cycle's activity shows a session the statement would pick: termination is on or
// dry_run, the pool is at or above warn, and a session of terminate_role (not a superuser) of a
// terminable client has been idle in a transaction for terminate_after.
bool termination_due(const ActivitySnapshot& activity, const config::PoolSection& pool,
                     PoolLevel level);

// The client a session's application_name belongs to (first match in config order), "" if none.
std::string client_of_session(const config::PoolSection& pool, std::string_view app);

// Adds a round's rows to `record` at `now` and returns the ones new to it (to be logged). A dry
// run reports the same session every cycle while it stays a candidate: it is recorded, counted
// and logged once per idle-in-transaction episode (pid and state_change), and its last_seen
// refreshed after that.
std::vector<Termination> record_round(TerminationRecord& record, TerminateMode mode,
                                      std::optional<TerminationRound> round,
                                      std::chrono::system_clock::time_point now);

// "pool:terminations" (when termination is not off): warn while something was terminated (or
// in dry_run, would have been) within the quiet period, pass otherwise; never gates readiness.
CheckResult termination_check(const TerminationRecord& record, const config::PoolSection& pool,
                              std::chrono::system_clock::time_point now);

}  // namespace opsagent::probes
