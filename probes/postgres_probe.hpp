// One probe cycle against Postgres: (re)connect the persistent connection if needed, run the
// schema pipeline, and now and then open a fresh connection to notice a server that is full or
// frozen while the persistent connection still works. Every cycle ends by its deadline.
// Thread-safety: not thread-safe; owned and driven by one thread (the probe loop, or a CLI
// command).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "probes/pg_connection.hpp"
#include "probes/snapshot.hpp"

namespace opsagent::probes {

struct ProbeCycle {
  std::vector<CheckResult> checks;
  std::string server_version;
  std::optional<ActivitySnapshot> activity;
  std::optional<PoolReport> pool;
  std::optional<bool> alert_leader;  // see Snapshot::alert_leader
};

class PostgresProbe {
 public:
  // `dsn` is the value of the configured environment variable; nullopt when it is unset.
  ProbeCycle run(const config::Config& config, const std::optional<std::string>& dsn,
                 Deadline deadline);

 private:
  std::optional<CheckResult> ensure_connected(const config::Config& config, Deadline deadline);
  void maybe_fresh_connect(const config::Config& config, Deadline deadline);

  std::optional<ConnectionTarget> target_;
  std::optional<PgConnection> connection_;
  std::optional<CheckResult> fresh_connect_;  // the latest fresh-connection result
  SteadyClock::time_point last_fresh_connect_{};
  std::string server_version_;
  // Counts connections made, so a new session is known not to hold the leadership lock yet.
  std::uint64_t connection_generation_ = 0;
  std::uint64_t leader_generation_ = 0;  // the connection that took the lock; 0: none
};

}  // namespace opsagent::probes
