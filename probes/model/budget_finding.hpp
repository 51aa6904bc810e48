// The pool budget as a finding: whether the declared pools ([[pool.clients]], instances ×
// pool_max) fit in Postgres's usable slots is a fact of the configuration, not an incident. It is
// logged once when first known and again only when it changes (and shown on every view through
// the "pool:budget" check and the pool section), never sent as an alert that fires at every
// start and never resolves. Thread-safety: not thread-safe; the probe loop owns it.
#pragma once

#include <optional>
#include <string>

#include "probes/model/pool_model.hpp"

namespace opsagent::probes {

struct FindingNews {
  bool problem = false;  // true: log as a warning
  std::string message;
};

class BudgetFinding {
 public:
  // One cycle's pool report (nullopt: not known this cycle, e.g. the database is down). Returns
  // what to log, when the verdict is new or changed.
  std::optional<FindingNews> observe(const std::optional<PoolReport>& pool);

 private:
  std::optional<std::string> last_;  // the arithmetic last reported, with its verdict
};

}  // namespace opsagent::probes
