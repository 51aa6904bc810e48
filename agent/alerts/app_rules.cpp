#include "agent/alerts/app_rules.hpp"

#include <algorithm>
#include <chrono>
#include <string>

#include <fmt/format.h>

#include "common/text/time_format.hpp"
#include "config/syntax/duration.hpp"
#include "config/syntax/threshold.hpp"

namespace opsagent::alerts {
namespace {

// An upstream API whose shared circuit is open: every worker of the app now refuses (or should)
// to call it. Half-open still counts: it is one probe away from open again, and an alert that
// resolved and fired at every recovery_timeout would be noise. Resolves once the circuit closes.
void upstream_circuits(const probes::Snapshot& s, const std::string& db, RuleOutcome& out) {
  for (const auto& u : s.upstreams) {
    if (u.state == probes::BreakerState::closed) continue;
    auto f = make_finding(
        kRuleUpstreamCircuitOpen, "UpstreamCircuitOpen", Severity::warning,
        fmt::format("upstream {}: circuit {} after {} consecutive failed probes", u.name,
                    u.state == probes::BreakerState::open ? "open" : "half-open",
                    u.consecutive_failures),
        db);
    f.labels["upstream"] = u.name;
    f.details.push_back(fmt::format("{}: {}", u.target, u.transition_reason));
    if (u.last && !u.last->ok) f.details.push_back("last probe: " + u.last->message);
    f.details.push_back(fmt::format(
        "while open, one probe every {} (recovery_timeout); GET /upstreams/{} answers 503 until "
        "a probe succeeds",
        config::format_duration(u.recovery_timeout), u.name));
    out.findings.push_back(std::move(f));
  }
}

// The app's scheduled jobs, judged against their [[jobs]] entries as of the snapshot. A job whose
// table could not be read is the database's or the config's problem (its check says which), not
// evidence that the job stopped: no job alert until a read works again. Critical when the job
// gates readiness, as the user then said it matters as much as the schema.
void jobs(const probes::Snapshot& s, const config::Config& c, const std::string& db,
          RuleOutcome& out) {
  for (const auto& j : s.jobs) {
    const auto watch = std::ranges::find(c.jobs, j.name, &config::JobWatch::name);
    if (watch == c.jobs.end() || !j.read_error.empty()) continue;
    const Severity severity = watch->gates_readiness ? Severity::critical : Severity::warning;
    const auto age = j.success_age_at(s.completed);
    const auto max_age = std::chrono::duration_cast<std::chrono::seconds>(watch->max_age);
    if (!age || *age > max_age) {
      auto f = make_finding(
          kRuleJobStale, "JobStale", severity,
          age ? fmt::format("job {}: last success {} ago, more than max_age {}", j.name,
                            config::format_duration(*age), config::format_duration(watch->max_age))
              : fmt::format("job {}: no successful run of \"{}\" recorded in {}", j.name,
                            j.job_name, watch->table.display()),
          db);
      f.labels["job"] = j.name;
      if (const auto running = j.running_for_at(s.completed)) {
        f.details.push_back("a run started " +
                            common::format_elapsed(static_cast<double>(running->count())) +
                            " ago and has not finished");
      }
      if (!j.last_error.empty()) f.details.push_back("last failed run: " + j.last_error);
      out.findings.push_back(std::move(f));
    }
    if (j.failures_in_window > watch->max_failures) {
      auto f =
          make_finding(kRuleJobFailing, "JobFailing", severity,
                       fmt::format("job {}: {} failed runs in the last {} (max_failures {})",
                                   j.name, j.failures_in_window,
                                   config::format_duration(watch->window), watch->max_failures),
                       db);
      f.labels["job"] = j.name;
      if (!j.last_error.empty()) f.details.push_back("last failed run: " + j.last_error);
      out.findings.push_back(std::move(f));
    }
  }
}

// A custom query's column at a threshold's level: one alert per query and column, its severity
// the level's. Not raised while the query cannot run (its check says why).
void query_thresholds(const probes::Snapshot& s, const config::Config& c, const std::string& db,
                      RuleOutcome& out) {
  for (const auto& q : s.queries) {
    const auto query = std::ranges::find(c.queries, q.name, &config::CustomQuery::name);
    if (query == c.queries.end() || !q.read_error.empty()) continue;
    for (const auto& v : probes::judge_thresholds(q, *query)) {
      if (v.missing || v.level == probes::QueryLevel::ok) continue;
      auto f = make_finding(
          kRuleQueryThreshold, "QueryThreshold",
          v.level == probes::QueryLevel::critical ? Severity::critical : Severity::warning,
          fmt::format("query {}: {}", q.name, probes::describe(v)), db);
      f.labels["query"] = q.name;
      f.labels["column"] = v.threshold->column;
      out.findings.push_back(std::move(f));
    }
  }
}

// The container's CPU (once high for cpu_sustained) and memory against its quota and limit, with
// the scaling guide's thresholds. Nothing fires without a quota or limit: "not limited" is not a
// percentage of anything. A cgroup that could not be read is unknown, not fine.
void container(const probes::Snapshot& s, const config::Config& c, const std::string& db,
               RuleOutcome& out) {
  if (!s.container || s.container->source == probes::ContainerStatus::Source::none) {
    if (s.container) {
      out.unknown_rules.insert(std::string(kRuleContainerCpu));
      out.unknown_rules.insert(std::string(kRuleContainerMemory));
    }
    return;
  }
  const auto& k = *s.container;
  const auto severity = [](probes::ResourceLevel l) {
    return l == probes::ResourceLevel::critical ? Severity::critical : Severity::warning;
  };
  if (const auto level = probes::cpu_level(k, c.container); level != probes::ResourceLevel::ok) {
    auto f = make_finding(
        kRuleContainerCpu, "ContainerCpuHigh", severity(level),
        fmt::format("container CPU at {:.0f}% of its {:.2f}-core quota for {}", *k.cpu_ratio * 100,
                    *k.cpu_quota_cores, config::format_duration(*k.cpu_high_for)),
        db);
    f.measure = *k.cpu_ratio;
    f.details.push_back(fmt::format("warn at {}, critical at {}, once sustained {}",
                                    config::format_threshold(c.container.cpu_warn),
                                    config::format_threshold(c.container.cpu_critical),
                                    config::format_duration(c.container.cpu_sustained)));
    if (k.cpu_throttled_periods > 0) {
      f.details.push_back(fmt::format("throttled in {} of {} periods ({:.1f}s in all)",
                                      k.cpu_throttled_periods, k.cpu_periods,
                                      k.cpu_throttled_seconds));
    }
    if (k.app && k.app->cpu_cores) {
      f.details.push_back(fmt::format("the app's {} processes use {:.2f} cores", k.app->processes,
                                      *k.app->cpu_cores));
    }
    f.details.emplace_back("add CPU to the service (or replicas), or find what keeps it busy");
    out.findings.push_back(std::move(f));
  }
  if (const auto level = probes::memory_level(k, c.container); level != probes::ResourceLevel::ok) {
    auto f =
        make_finding(kRuleContainerMemory, "ContainerMemoryHigh", severity(level),
                     fmt::format("container memory at {:.0f}% of its limit ({} of {}): OOM risk",
                                 *k.memory_ratio * 100, probes::format_bytes(k.memory_bytes),
                                 probes::format_bytes(*k.memory_limit_bytes)),
                     db);
    f.measure = *k.memory_ratio;
    f.details.push_back(fmt::format("warn at {}, critical at {}",
                                    config::format_threshold(c.container.memory_warn),
                                    config::format_threshold(c.container.memory_critical)));
    if (k.oom_kills && *k.oom_kills > 0) {
      f.details.push_back(fmt::format("{} OOM kills in this container so far", *k.oom_kills));
    }
    if (k.app) {
      f.details.push_back(fmt::format("the app's {} processes hold {} resident", k.app->processes,
                                      probes::format_bytes(k.app->rss_bytes)));
    }
    f.details.emplace_back(
        "raise the memory limit, run fewer workers, or find the worker that grows (max_requests "
        "recycles gunicorn workers)");
    out.findings.push_back(std::move(f));
  }
}

}  // namespace

void evaluate_app_rules(const probes::Snapshot& snapshot, const config::Config& config,
                        const std::string& database, RuleOutcome& out) {
  upstream_circuits(snapshot, database, out);
  jobs(snapshot, config, database, out);
  query_thresholds(snapshot, config, database, out);
  container(snapshot, config, database, out);
}

}  // namespace opsagent::alerts
