#include "probes/model/budget_finding.hpp"

namespace opsagent::probes {

std::optional<FindingNews> BudgetFinding::observe(const std::optional<PoolReport>& pool) {
  if (!pool || pool->clients.empty()) return std::nullopt;
  const auto& b = pool->budget;
  // The during-deploy line, when there is one, follows the steady-state line.
  const std::string lines =
      b.arithmetic + (b.deploy_arithmetic.empty() ? "" : "; " + b.deploy_arithmetic);
  std::string key = (b.fits && b.deploy_fits ? "fits: " : "cannot fit: ") + lines;
  if (last_ == key) return std::nullopt;
  const bool changed = last_.has_value();
  last_ = std::move(key);
  if (b.fits && b.deploy_fits) {
    return FindingNews{false, std::string("finding: the declared pools fit in Postgres") +
                                  (changed ? " now" : "") + ": " + lines};
  }
  return FindingNews{true, std::string("finding: the declared pools can exhaust Postgres") +
                               (b.fits ? " during a deploy" : "") + ": " + lines +
                               "; lower pool_max or instances, or raise max_connections (or "
                               "put PgBouncer in front). Not an alert: it is logged again only "
                               "when it changes, and shown in /status and /health"};
}

}  // namespace opsagent::probes
