// One probe cycle against Postgres: (re)connect the persistent connection if needed, run the
// main segment (schema catalog + the activity pulse), pg_stat_activity in full when the pulse
// moved (activity_refresh.hpp), the query markers when due, and now and then
// open a fresh connection to notice a server that is full or frozen while the persistent
// connection still works. Every cycle ends by its deadline. On a direct connection (the agent's
// own session) the settings are session defaults and the main segment's two statements are
// prepared once per connection; behind a pooler nothing is left on the connection
// (transaction_scope.hpp): there it is the app's connection next.
// Thread-safety: not thread-safe; owned and driven by one thread (the probe loop, or a CLI
// command).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "probes/model/activity_refresh.hpp"
#include "probes/model/lock_tree.hpp"
#include "probes/model/pgbouncer_model.hpp"
#include "probes/model/snapshot.hpp"
#include "probes/model/termination.hpp"
#include "probes/postgres/job_reads.hpp"
#include "probes/postgres/leadership.hpp"
#include "probes/postgres/pg_connection.hpp"
#include "probes/postgres/query_reads.hpp"
#include "probes/postgres/schema_check.hpp"

namespace opsagent::probes {

// How often a brand-new login is tried. A login proves that the app's credentials, pg_hba.conf
// and a free slot still let a client in, but costs the server ~7 ms of CPU (SCRAM): every
// `interval` (database.fresh_connect_interval, 5 min by default), and every kFreshConnectInDoubt
// at most while there is reason to doubt (`in_doubt`: the last login failed, so that its
// recovery shows soon, or the pool is critical, so that a full server is seen by a real login).
// 0: never.
inline constexpr config::Duration kFreshConnectInDoubt{30000};
config::Duration fresh_connect_pace(config::Duration interval, bool in_doubt);

struct ProbeCycle {
  std::vector<CheckResult> checks;
  std::string server_version;
  std::optional<ActivitySnapshot> activity;
  std::optional<PoolReport> pool;
  std::optional<LockTree> locks;     // see Snapshot::locks
  std::optional<bool> alert_leader;  // see Snapshot::alert_leader
  std::string leadership_note;       // see Snapshot::leadership_note
  std::optional<bool> via_pooler;    // see Snapshot::via_pooler
  std::vector<JobReport> jobs;       // see Snapshot::jobs
  std::vector<QueryReport> queries;  // see Snapshot::queries
  // pool.terminate_idle_in_transaction's step this cycle; nullopt when nothing qualified.
  std::optional<TerminationRound> termination;
};

class PostgresProbe {
 public:
  // Reads PgBouncer's console now (nullptr without [pgbouncer], or when it does not answer).
  using PoolerLook = std::function<const PgBouncerSnapshot*()>;

  // `dsn` is the value of the configured environment variable; nullopt when it is unset.
  // `look_at_pooler` is asked when the agent's own statements time out, while they still wait:
  // a queue in PgBouncer then tells a full pooler from a server that does not answer. Its
  // answer also feeds the pool budget. The [[jobs]] and [[queries]] that are due are read after the
  // rest; every one's latest report (and check) is in every cycle, the database answering or not.
  ProbeCycle run(const config::Config& config, const std::optional<std::string>& dsn,
                 Deadline deadline, const PoolerLook& look_at_pooler = {});

 private:
  ProbeCycle probe_database(const config::Config& config, const std::optional<std::string>& dsn,
                            Deadline deadline, const PoolerLook& look_at_pooler);
  std::optional<PgFailure> ensure_connected(const config::Config& config, Deadline deadline);
  // A brand-new login, when due (fresh_connect_pace): `slots_scarce`, the pool is critical this
  // cycle.
  void maybe_fresh_connect(const config::Config& config, bool slots_scarce, Deadline deadline);
  // Runs the query markers when due (see ReadinessSection::marker_interval) and returns their
  // latest results; a failed round trip drops the connection.
  const std::expected<std::vector<PgResultPtr>, PgFailure>& read_markers(
      const config::Config& config, Deadline deadline);
  // This cycle's sessions: read in full when the pulse says so (its own segment, after the main
  // one), else the last read aged. A failed round trip drops the connection.
  std::expected<ActivitySnapshot, std::string> read_activity_when_moved(
      const config::Config& config, std::optional<ActivityPulse> pulse,
      std::optional<int> lease_pid, Deadline deadline, std::string* stood_note);
  // The pulse failed on this connection: say so once, and read in full every cycle.
  void refuse_pulse(const pg_result* result);
  // Who blocks whom, read only when the activity statement saw `waiting` sessions waiting on
  // locks (a steady cycle sends nothing more). A failed read drops the connection.
  LockTree read_locks(const config::Config& config, int waiting, Deadline deadline);
  // The failure of the persistent connection as the cycle's result. Connection pressure (too
  // many connections, a full pooler queue) under readiness.on_pressure = "warn" keeps the last
  // schema verdict instead of taking the agent out of rotation.
  ProbeCycle fail_cycle(const config::Config& config, PgFailure failure,
                        std::chrono::microseconds took, const PoolerLook& look_at_pooler);

  // Forgets everything learnt about the last target: a new DSN or connection settings.
  void adopt_target(ConnectionTarget target);

  std::optional<ConnectionTarget> target_;
  std::string target_dsn_;  // what target_ was made from
  config::DatabaseSection target_settings_;
  std::optional<PgConnection> connection_;
  std::optional<bool> via_pooler_;  // checked again on every new connection to the target
  // The connection's session is the agent's (direct, session_settings() applied): the main
  // segment runs as prepared statements without per-segment settings.
  bool session_owned_ = false;
  std::optional<CheckResult> fresh_connect_;  // the latest fresh-connection result
  SteadyClock::time_point last_fresh_connect_{};
  std::string server_version_;
  // The last complete schema verdict, and when it was taken.
  std::optional<SchemaVerdict> last_schema_;
  std::chrono::system_clock::time_point last_schema_at_{};
  // Counts connections made, so a new session is known not to hold the leadership lock yet.
  std::uint64_t connection_generation_ = 0;
  std::uint64_t leader_generation_ = 0;  // the connection that took the lock; 0: none
  PooledLeadership pooled_leadership_;
  // The query markers' latest results, for the statements `markers_sent_`, on connection
  // `markers_generation_`, at `markers_at_`; `markers_failing_`: one of them did not pass.
  std::expected<std::vector<PgResultPtr>, PgFailure> markers_{std::vector<PgResultPtr>{}};
  std::vector<PipelineStatement> markers_sent_;
  std::uint64_t markers_generation_ = 0;
  SteadyClock::time_point markers_at_{};
  bool markers_failing_ = false;
  JobReads jobs_;
  QueryReads queries_;
  // The last full read of pg_stat_activity on connection `activity_generation_`, when it was
  // taken and the pulse taken with it (activity_refresh.hpp): what stands while the pulse rests.
  std::optional<ActivitySnapshot> activity_;
  std::optional<ActivityPulse> activity_pulse_;
  std::uint64_t activity_generation_ = 0;
  SteadyClock::time_point activity_at_{};
  SteadyClock::time_point status_pulse_at_{};  // the pulse last looked at the status array
  std::int64_t own_logins_since_read_ = 0;     // fresh connections the agent made since
  std::uint64_t pulse_refused_on_ = 0;         // the connection on which the pulse failed
};

}  // namespace opsagent::probes
