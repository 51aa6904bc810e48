// What the probe loop remembers from one cycle to the next and adds to each Snapshot before it
// is published: the utilization history (its summary and the exhaustion forecast), the recent
// errors, the deploy-time check, and whether the pool budget's finding is news worth a log line.
// Deterministic: time comes from the snapshots. Thread-safety: one instance per loop, used by the
// probe thread only.
#pragma once

#include <optional>
#include <vector>

#include "config/config.hpp"
#include "probes/model/budget_finding.hpp"
#include "probes/model/deploy_overlap.hpp"
#include "probes/model/recent_errors.hpp"
#include "probes/model/snapshot.hpp"
#include "probes/model/utilization_history.hpp"

namespace opsagent::probes {

class CycleMemory {
 public:
  // `interval`: the probe interval at start, which sizes the history (one hour of samples).
  explicit CycleMemory(config::Duration interval);

  // Remembers `s` and fills its utilization, exhaustion forecast (and its check, by `config`'s
  // [pool] forecast keys), the deploy-time check ([deploy]) and recent_errors. Returns what to
  // log: the pool budget's finding and the deploy-time verdict, each when new or changed.
  std::vector<FindingNews> remember(Snapshot& s, const config::Config& config);

 private:
  UtilizationHistory history_;
  RecentErrors recent_errors_{Snapshot::kRecentErrors};
  BudgetFinding budget_finding_;
  DeployWatch deploy_watch_;
};

}  // namespace opsagent::probes
