#include "probes/model/deploy_overlap.hpp"

#include <fmt/format.h>

namespace opsagent::probes {

std::optional<DeployRisk> deploy_risk(const ActivitySnapshot& activity, const BudgetCheck& budget) {
  if (budget.overlap <= 1 || budget.app_pools <= 0) return std::nullopt;
  DeployRisk r;
  r.in_use = activity.used();
  const int copies = budget.overlap - 1;
  r.adds = copies * budget.app_pools;
  r.usable = activity.usable_slots;
  const std::int64_t total = r.in_use + r.adds;
  r.exhausts = total > r.usable;
  r.arithmetic = fmt::format(
      "{} sessions in use now + {} for this deployment's pools ({}{}{}) = {} {} {} usable slots",
      r.in_use, r.adds, copies > 1 ? fmt::format("{} × (", copies) : "", budget.app_pools_terms,
      copies > 1 ? ")" : "", total, r.exhausts ? ">" : "≤", r.usable);
  return r;
}

CheckResult deploy_check(const DeployRisk& risk, bool starting, bool gate) {
  CheckResult c;
  c.name = "pool:deploy";
  c.gates_readiness = starting && gate;
  c.observed_value = static_cast<double>(risk.in_use + risk.adds);
  c.observed_unit = "connections";
  const std::string when = starting ? "" : "when this deployment started: ";
  if (!risk.exhausts) {
    c.status = CheckStatus::pass;
    c.message = when + "this deploy fits while the old deployment still runs: " + risk.arithmetic;
    return c;
  }
  c.status = c.gates_readiness ? CheckStatus::fail : CheckStatus::warn;
  c.error = ErrorClass::deploy_overlap;
  c.message = when + "this deploy can exhaust Postgres while the old deployment still runs: " +
              risk.arithmetic;
  if (c.gates_readiness) {
    c.message += "; not ready until enough of those sessions close (deploy.gate)";
  } else if (starting) {
    c.message += "; a warning only (deploy.gate = true holds the deploy back)";
  }
  return c;
}

std::optional<FindingNews> DeployWatch::observe(Snapshot& s, const config::DeploySection& deploy) {
  if (been_ready_) {
    if (at_start_) s.checks.push_back(deploy_check(*at_start_, false, false));
    return std::nullopt;
  }
  if (!s.activity || !s.pool) return std::nullopt;
  const auto risk = deploy_risk(*s.activity, s.pool->budget);
  if (!risk) return std::nullopt;
  auto check = deploy_check(*risk, true, deploy.gate);
  s.checks.push_back(check);
  at_start_ = risk;
  if (s.first_failure() == nullptr) been_ready_ = true;
  // Logged when the verdict is first known or changes, not at every cycle of a slow start.
  if (logged_ == risk->exhausts) return std::nullopt;
  logged_ = risk->exhausts;
  return FindingNews{risk->exhausts, "deploy: " + check.message};
}

}  // namespace opsagent::probes
