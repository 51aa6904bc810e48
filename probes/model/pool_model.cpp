#include "probes/model/pool_model.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/syntax/threshold.hpp"

namespace opsagent::probes {

std::string_view to_string(PoolLevel l) {
  switch (l) {
    case PoolLevel::ok:
      return "ok";
    case PoolLevel::warn:
      return "warn";
    case PoolLevel::critical:
      return "critical";
  }
  return "ok";
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point: linear enough for 63-byte names.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

// "during a deploy (2 deployments side by side): 2 × (4×20 (web) + 1×20 (cron)) = 200 > 97
// usable slots". Each deployment brings its own pools; PgBouncer's server side does not grow
// (it is not redeployed with the app), but its clients do.
void during_deploy_line(BudgetCheck& b, int overlap, const std::string& direct_terms,
                        const std::string& pooled_terms, std::int64_t pooled,
                        const PgBouncerSnapshot* pooler, const std::string& cap_terms, int cap) {
  b.overlap = overlap;
  std::string terms;
  if (!direct_terms.empty()) terms = fmt::format("{} × ({})", overlap, direct_terms);
  if (!pooled_terms.empty()) {
    terms += terms.empty() ? "" : " + ";
    terms += pooler != nullptr ? "PgBouncer's server side " + cap_terms
                               : std::string("PgBouncer's server connections (unknown)");
  }
  b.during_deploy = overlap * b.app_pools + (pooled_terms.empty() ? 0 : cap);
  const bool postgres_fits = b.during_deploy <= b.usable_slots;
  b.deploy_arithmetic =
      fmt::format("during a deploy ({} deployments side by side): {} = {} {} {} usable slots",
                  overlap, terms, b.during_deploy, postgres_fits ? "≤" : ">", b.usable_slots);
  bool pooler_fits = true;
  if (!pooled_terms.empty() && pooler != nullptr) {
    const std::int64_t clients = overlap * pooled;
    pooler_fits = clients <= pooler->max_client_conn;
    b.deploy_arithmetic +=
        fmt::format("; via PgBouncer {} × ({}) = {} {} {} max_client_conn", overlap, pooled_terms,
                    clients, pooler_fits ? "≤" : ">", pooler->max_client_conn);
  }
  b.deploy_fits = postgres_fits && pooler_fits;
}

}  // namespace

PoolReport evaluate_pool(const ActivitySnapshot& activity, const config::PoolSection& pool,
                         const PgBouncerSnapshot* pooler, int deploy_overlap) {
  PoolReport report;
  const int used = activity.used();
  const int usable = activity.usable_slots;
  if (pool.critical.reached(used, usable)) {
    report.level = PoolLevel::critical;
  } else if (pool.warn.reached(used, usable)) {
    report.level = PoolLevel::warn;
  }
  report.summary =
      fmt::format("{}/{} usable slots in use ({:.1f}%); warn at {}, critical at {}", used, usable,
                  activity.utilization() * 100, config::format_threshold(pool.warn),
                  config::format_threshold(pool.critical));
  if (activity.partial_view) report.summary += "; partial view: other roles' sessions are hidden";

  int attributed = 0;
  std::string direct_terms, pooled_terms;
  std::int64_t direct = 0, pooled = 0;
  for (const auto& client : pool.clients) {
    ClientPoolUse use;
    use.name = client.name;
    use.pattern = client.application_name;
    use.instances = client.instances;
    use.pool_max = client.pool_max;
    use.budget = client.instances * client.pool_max;
    for (const auto& app : activity.all_applications) {
      if (!glob_match(client.application_name, app.key)) continue;
      use.counts.add(app.counts);
      const bool at_limit = app.counts.total >= client.pool_max;
      use.instances_at_limit += at_limit ? 1 : 0;
      use.per_instance.push_back({app.key, app.counts.total, at_limit});
      use.superuser =
          use.superuser || std::ranges::find(activity.superuser_applications, app.key) !=
                               activity.superuser_applications.end();
    }
    use.connections = use.counts.total;
    attributed += use.connections;
    std::ranges::stable_sort(use.per_instance, [](const InstanceUse& a, const InstanceUse& b) {
      return a.connections > b.connections;
    });
    auto& terms = client.via_pgbouncer ? pooled_terms : direct_terms;
    (client.via_pgbouncer ? pooled : direct) += use.budget;
    terms += fmt::format("{}{}×{} ({})", terms.empty() ? "" : " + ", client.instances,
                         client.pool_max, client.name);
    report.clients.push_back(std::move(use));
  }
  report.unattributed = std::max(0, used - attributed);

  auto& b = report.budget;
  b.usable_slots = usable;
  if (pool.clients.empty()) return report;
  std::vector<std::string> superusers;
  for (const auto& c : report.clients) {
    if (c.superuser) superusers.push_back(c.name);
  }
  if (!superusers.empty()) {
    b.superuser_note = fmt::format(
        "{} connect(s) as a superuser role: beyond the usable slots it can also take the {} "
        "superuser_reserved_connections, leaving none for an admin to log in; give the app an "
        "ordinary role",
        fmt::join(superusers, ", "), activity.superuser_reserved_connections);
  }
  std::string cap_terms;
  const int cap = pooler != nullptr ? pooler->server_connection_cap(&cap_terms) : 0;
  std::string slots =
      fmt::format("{} max_connections − {} superuser_reserved_connections",
                  activity.max_connections, activity.superuser_reserved_connections);
  if (activity.reserved_connections) {
    slots += fmt::format(" − {} reserved_connections", *activity.reserved_connections);
  }
  if (pooled_terms.empty()) {
    b.declared = direct;
    b.fits = b.declared <= usable;
    b.arithmetic = fmt::format("{} = {} {} {} usable slots ({})", direct_terms, b.declared,
                               b.fits ? "≤" : ">", usable, slots);
  } else if (pooler == nullptr) {
    // Through PgBouncer the app's pools fill PgBouncer, and Postgres sees PgBouncer's server
    // connections: at most its pool sizes, however large the app's pools are.
    b.pooler_arithmetic = fmt::format(
        "{} = {} via PgBouncer (its max_client_conn and pool sizes are unknown: set [pgbouncer])",
        pooled_terms, pooled);
    b.declared = direct;
    b.fits = direct <= usable;
    b.arithmetic = fmt::format(
        "{}{} direct {} {} usable slots ({}), plus PgBouncer's server connections (unknown)",
        direct_terms.empty() ? "" : direct_terms + " = ", direct, b.fits ? "≤" : ">", usable,
        slots);
  } else {
    b.pooler_fits = pooled <= pooler->max_client_conn;
    b.pooler_arithmetic = fmt::format("{} = {} {} {} PgBouncer max_client_conn", pooled_terms,
                                      pooled, b.pooler_fits ? "≤" : ">", pooler->max_client_conn);
    b.declared = direct + cap;
    b.fits = b.pooler_fits && b.declared <= usable;
    b.arithmetic = fmt::format("{}PgBouncer's server side {} = {} {} {} usable slots ({})",
                               direct_terms.empty() ? "" : direct_terms + " + ", cap_terms,
                               b.declared, b.declared <= usable ? "≤" : ">", usable, slots);
  }
  b.app_pools = direct;
  b.app_pools_terms = direct_terms;
  if (deploy_overlap > 1) {
    during_deploy_line(b, deploy_overlap, direct_terms, pooled_terms, pooled, pooler, cap_terms,
                       cap);
  }
  return report;
}

}  // namespace opsagent::probes

namespace opsagent::probes {

std::vector<CheckResult> pool_checks(const ActivitySnapshot& activity, const PoolReport& report) {
  std::vector<CheckResult> checks;
  CheckResult connections;
  connections.name = "postgres:connections";
  connections.gates_readiness = false;
  connections.status = report.level == PoolLevel::ok     ? CheckStatus::pass
                       : report.level == PoolLevel::warn ? CheckStatus::warn
                                                         : CheckStatus::fail;
  connections.message = report.level == PoolLevel::ok
                            ? report.summary
                            : std::string(to_string(report.level)) + ": " + report.summary;
  connections.observed_value = activity.utilization() * 100.0;
  // A char, not "%": g++ 12 at -O3 reports a false -Wrestrict for a one-character literal
  // assigned to a std::string.
  connections.observed_unit = '%';
  checks.push_back(std::move(connections));

  std::vector<std::string> full;
  for (const auto& c : report.clients) {
    for (const auto& i : c.per_instance) {
      if (i.at_limit)
        full.push_back(fmt::format("{} ({}/{})", i.application_name, i.connections, c.pool_max));
    }
  }
  if (!report.clients.empty()) {
    CheckResult budget;
    budget.name = "pool:budget";
    budget.gates_readiness = false;
    const auto& b = report.budget;
    budget.status =
        b.fits && b.deploy_fits && b.superuser_note.empty() ? CheckStatus::pass : CheckStatus::warn;
    budget.message = !b.fits         ? !b.pooler_fits ? "the declared pools can exhaust PgBouncer: "
                                                      : "the declared pools can exhaust Postgres: "
                     : b.deploy_fits ? "the declared pools fit: "
                                     : "the declared pools fit, but can exhaust Postgres during a "
                                       "deploy: ";
    if (!b.pooler_arithmetic.empty()) budget.message += b.pooler_arithmetic + "; ";
    budget.message += b.arithmetic;
    if (!b.deploy_arithmetic.empty()) budget.message += "; " + b.deploy_arithmetic;
    if (!b.superuser_note.empty()) budget.message += "; " + b.superuser_note;
    budget.observed_value = report.budget.declared;
    budget.observed_unit = "connections";
    checks.push_back(std::move(budget));

    CheckResult limits;
    limits.name = "pool:clients";
    limits.gates_readiness = false;
    limits.status = full.empty() ? CheckStatus::pass : CheckStatus::warn;
    limits.message = full.empty() ? "no worker is at its pool_max"
                                  : fmt::format("at pool_max: {}", fmt::join(full, ", "));
    limits.observed_value = static_cast<double>(full.size());
    limits.observed_unit = "instances";
    checks.push_back(std::move(limits));
  }
  return checks;
}

}  // namespace opsagent::probes
