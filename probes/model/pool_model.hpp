// The pool model: what the app's declared connection pools ([pool] clients) use now, whether
// their declared budget can fit in Postgres at all, and how full Postgres is against the
// warn/critical thresholds. Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "probes/model/activity.hpp"
#include "probes/model/check_result.hpp"
#include "probes/model/pgbouncer_model.hpp"

namespace opsagent::probes {

enum class PoolLevel { ok, warn, critical };
std::string_view to_string(PoolLevel l);

struct InstanceUse {
  std::string application_name;  // one worker, e.g. "web:1234"
  int connections = 0;
  bool at_limit = false;  // connections >= pool_max
};

struct ClientPoolUse {
  std::string name;
  std::string pattern;
  int instances = 0;
  int pool_max = 0;
  int budget = 0;       // instances * pool_max
  int connections = 0;  // sessions whose application_name matches the pattern
  SessionCounts counts;
  std::vector<InstanceUse> per_instance;  // largest first
  int instances_at_limit = 0;
  bool superuser = false;  // some of its sessions use a superuser role
};

// Does the declared budget fit? "4×20 (web) + 1×20 (cron) = 100 > 97 usable slots". Clients
// that connect through PgBouncer add two lines instead of one: their pools against PgBouncer's
// max_client_conn, and PgBouncer's server side (its pool sizes) against Postgres.
struct BudgetCheck {
  std::int64_t declared = 0;  // what Postgres may see; wide: each client up to 1000 x 10000
  int usable_slots = 0;
  bool fits = true;
  std::string arithmetic;  // the Postgres line
  // Clients via PgBouncer: their pools against max_client_conn. Empty when there are none.
  std::string pooler_arithmetic;
  bool pooler_fits = true;
  // Clients seen connecting as a superuser: they can also take the reserved slots, leaving an
  // admin none. Empty when there are none.
  std::string superuser_note;
  // One deployment's pools that connect directly ("4×20 (web) + 1×20 (cron)" = 100): what a new
  // deployment adds to Postgres while the old one still runs.
  std::int64_t app_pools = 0;
  std::string app_pools_terms;
  // During a deploy ([deploy] overlap > 1): `overlap` deployments' pools at once, as in
  // "during a deploy (2 deployments side by side): 2 × (…) = 200 > 97 usable slots". Without
  // overlap: overlap 1, deploy_fits true, deploy_arithmetic empty.
  int overlap = 1;
  std::int64_t during_deploy = 0;
  bool deploy_fits = true;
  std::string deploy_arithmetic;
};

struct PoolReport {
  PoolLevel level = PoolLevel::ok;
  std::string summary;  // "82/97 slots used (84.5%), warn at 80%"
  std::vector<ClientPoolUse> clients;
  int unattributed = 0;  // sessions no client pattern matches
  BudgetCheck budget;
};

// Shell-style glob: '*' any run, '?' one character.
bool glob_match(std::string_view pattern, std::string_view text);

// `pooler`: PgBouncer's pools and limits, when [pgbouncer] is set and answered.
// `deploy_overlap`: deploy.overlap, the deployments running at once during a deploy.
PoolReport evaluate_pool(const ActivitySnapshot& activity, const config::PoolSection& pool,
                         const PgBouncerSnapshot* pooler = nullptr, int deploy_overlap = 1);

// "postgres:connections" (utilization against the thresholds: pass/warn/fail) and, when clients
// are declared, "pool:budget". Neither gates readiness: taking every replica out of rotation
// because Postgres is busy would turn a busy database into an outage.
std::vector<CheckResult> pool_checks(const ActivitySnapshot& activity, const PoolReport& report);

}  // namespace opsagent::probes
