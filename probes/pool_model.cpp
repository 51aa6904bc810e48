#include "probes/pool_model.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/threshold.hpp"

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

PoolReport evaluate_pool(const ActivitySnapshot& activity, const config::PoolSection& pool) {
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
  std::string terms;
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
    }
    use.connections = use.counts.total;
    attributed += use.connections;
    std::ranges::stable_sort(use.per_instance, [](const InstanceUse& a, const InstanceUse& b) {
      return a.connections > b.connections;
    });
    report.budget.declared += use.budget;
    terms += fmt::format("{}{}×{} ({})", terms.empty() ? "" : " + ", client.instances,
                         client.pool_max, client.name);
    report.clients.push_back(std::move(use));
  }
  report.unattributed = std::max(0, used - attributed);

  auto& b = report.budget;
  b.usable_slots = usable;
  b.fits = b.declared <= usable;
  if (!pool.clients.empty()) {
    std::string slots =
        fmt::format("{} max_connections − {} superuser_reserved_connections",
                    activity.max_connections, activity.superuser_reserved_connections);
    if (activity.reserved_connections) {
      slots += fmt::format(" − {} reserved_connections", *activity.reserved_connections);
    }
    b.arithmetic = fmt::format("{} = {} {} {} usable slots ({})", terms, b.declared,
                               b.fits ? "≤" : ">", usable, slots);
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
    budget.status = report.budget.fits ? CheckStatus::pass : CheckStatus::warn;
    budget.message = (report.budget.fits ? "the declared pools fit: "
                                         : "the declared pools can exhaust Postgres: ") +
                     report.budget.arithmetic;
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
