// The deploy-time warning: while this agent (the new deployment) is not yet ready, the old
// deployment still holds its sessions, and this deployment's app is about to open its own pools.
// Compares the sessions in use now plus this deployment's declared pools with the usable slots
// ("pool:deploy"), logs when the verdict is first known or changes, and optionally gates
// readiness (deploy.gate). Once the agent has been ready the comparison made at the start stays
// as a fact of that deploy. Only with [deploy] overlap (more than one deployment at once).
// Thread-safety: deploy_risk and deploy_check are pure; DeployWatch is owned by the probe loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "probes/model/activity.hpp"
#include "probes/model/budget_finding.hpp"
#include "probes/model/check_result.hpp"
#include "probes/model/pool_model.hpp"
#include "probes/model/snapshot.hpp"

namespace opsagent::probes {

struct DeployRisk {
  int in_use = 0;         // sessions in use now: the running deployment's (and any already ours)
  std::int64_t adds = 0;  // what this deployment's app adds: (overlap - 1) x its direct pools
  int usable = 0;
  bool exhausts = false;  // in_use + adds > usable
  // "62 sessions in use now + 100 for this deployment's pools (4×20 (web) + 1×20 (cron)) = 162 >
  // 97 usable slots"
  std::string arithmetic;
};

// nullopt when there is no overlap (budget.overlap 1) or no pool connects directly (clients via
// PgBouncer do not add Postgres sessions: PgBouncer's server side is not redeployed).
std::optional<DeployRisk> deploy_risk(const ActivitySnapshot& activity, const BudgetCheck& budget);

// "pool:deploy". `starting`: the agent has not been ready yet (the comparison is live); then,
// with `gate`, a risk fails and gates readiness. Otherwise a risk warns and never gates.
CheckResult deploy_check(const DeployRisk& risk, bool starting, bool gate);

class DeployWatch {
 public:
  // Adds "pool:deploy" to `s` (whose other checks are final) as described above. Returns what to
  // log when the verdict is first known or changes while starting.
  std::optional<FindingNews> observe(Snapshot& s, const config::DeploySection& deploy);

 private:
  bool been_ready_ = false;
  std::optional<DeployRisk> at_start_;  // the last comparison before the agent turned ready
  std::optional<bool> logged_;          // the verdict last logged: exhausts
};

}  // namespace opsagent::probes
