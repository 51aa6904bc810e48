#include "probes/model/budget_finding.hpp"

namespace opsagent::probes {

std::optional<FindingNews> BudgetFinding::observe(const std::optional<PoolReport>& pool) {
  if (!pool || pool->clients.empty()) return std::nullopt;
  const auto& b = pool->budget;
  std::string key = (b.fits ? "fits: " : "cannot fit: ") + b.arithmetic;
  if (last_ == key) return std::nullopt;
  const bool changed = last_.has_value();
  last_ = std::move(key);
  if (b.fits) {
    return FindingNews{false, std::string("finding: the declared pools fit in Postgres") +
                                  (changed ? " now" : "") + ": " + b.arithmetic};
  }
  return FindingNews{true, "finding: the declared pools can exhaust Postgres: " + b.arithmetic +
                               "; lower pool_max or instances, or raise max_connections (or "
                               "put PgBouncer in front). Not an alert: it is logged again only "
                               "when it changes, and shown in /status and /health"};
}

}  // namespace opsagent::probes
