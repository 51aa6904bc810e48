// What PgBouncer's admin console says about its pools: the queue no Postgres view shows
// (clients waiting for a server connection, and for how long), the pool sizes that cap what
// PgBouncer opens to Postgres, and the check built from them. Plain data and pure functions;
// the probe that fills it is pgbouncer_probe.hpp. Thread-safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "probes/model/check_result.hpp"

namespace opsagent::probes {

// One row of SHOW POOLS: a (database, user) pair and its clients and server connections.
struct PgBouncerPool {
  std::string database;
  std::string user;
  std::string pool_mode;  // session, transaction or statement
  int cl_active = 0;      // clients linked to a server connection, or idle
  int cl_waiting = 0;     // clients that sent a query and wait for a server connection
  int sv_active = 0;      // server connections linked to a client
  int sv_idle = 0;
  int sv_used = 0;
  int sv_tested = 0;
  int sv_login = 0;
  double maxwait_s = 0;  // how long the oldest waiting client has waited
  int pool_size = 0;     // the database's pool_size (SHOW DATABASES)
  int reserve_pool = 0;
};

// One row of SHOW DATABASES (the admin database left out).
struct PgBouncerDatabase {
  std::string name;
  int pool_size = 0;
  int reserve_pool = 0;
  int max_connections = 0;  // max_db_connections for this database; 0: unlimited
  int current_connections = 0;
  std::string pool_mode;  // "" when it follows the global pool_mode
};

struct PgBouncerSnapshot {
  std::vector<PgBouncerPool> pools;  // the admin console's own pool left out
  std::vector<PgBouncerDatabase> databases;
  int max_client_conn = 0;
  int default_pool_size = 0;
  int reserve_pool_size = 0;
  int max_db_connections = 0;  // 0: unlimited
  std::string pool_mode;       // the global default

  int clients_waiting() const { return total(&PgBouncerPool::cl_waiting); }
  int clients_active() const { return total(&PgBouncerPool::cl_active); }
  int servers_active() const { return total(&PgBouncerPool::sv_active); }
  int total(int PgBouncerPool::*field) const;  // summed over the pools
  double longest_wait_s() const;
  const PgBouncerPool* find_pool(std::string_view database, std::string_view user) const;
  // The most server connections PgBouncer may open to Postgres: per database its
  // max_connections (or the global max_db_connections) when set, else (pool_size +
  // reserve_pool) for each of its pools (at least one). `arithmetic` says how.
  int server_connection_cap(std::string* arithmetic = nullptr) const;
};

// "pgbouncer:pools": pass while nobody waits, warn while clients wait for a server connection,
// fail once the longest wait reaches maxwait_critical. Gates readiness only with
// readiness.on_pressure = "not_ready", and then only at the critical level.
CheckResult pgbouncer_check(const PgBouncerSnapshot& snapshot, const config::Config& config);

// The pooler's queue as the reason the agent's own statements got no answer: a timeout on a
// connection to `database` while PgBouncer reports clients waiting there becomes
// pooler_saturated, naming the queue; anything else is returned unchanged.
ErrorClass pooler_blame(ErrorClass error, const PgBouncerSnapshot* snapshot,
                        std::string_view database, std::string* message);

}  // namespace opsagent::probes
