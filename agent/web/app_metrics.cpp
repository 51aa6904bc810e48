#include "agent/web/app_metrics.hpp"

#include <string>
#include <utility>
#include <vector>

namespace opsagent::web {

namespace {

using prometheus::Labels;

// One series per window and quantile that has answers: a window without any has no latency to
// report, and a made-up 0 would read as "fast".
void add_latency_gauges(ScrapeGauges& g, const std::string& family, const std::string& help,
                        const std::pair<std::string, std::string>& source,
                        const probes::LatencyWindows& windows) {
  for (const auto& w : windows) {
    const std::pair<const char*, const std::optional<double>*> quantiles[] = {
        {"0.5", &w.latency.p50_ms}, {"0.95", &w.latency.p95_ms}, {"0.99", &w.latency.p99_ms}};
    for (const auto& [q, ms] : quantiles) {
      if (!*ms) continue;
      g.set(family, help, **ms / 1000.0,
            {source, {"window", probes::window_label(w.window)}, {"quantile", q}});
    }
  }
}

void add_http_check_latency(ScrapeGauges& g, const std::vector<probes::LatencyTrack>& tracks) {
  for (const auto& t : tracks) {
    add_latency_gauges(g, "opsagent_http_check_latency_seconds",
                       "Latency quantiles (nearest rank) of each [[readiness.http]] check's "
                       "answers in the window.",
                       {"check", t.check}, t.windows);
  }
}

void add_upstream_metrics(ScrapeGauges& g, const std::vector<probes::UpstreamStatus>& upstreams) {
  for (const auto& u : upstreams) {
    const Labels upstream{{"upstream", u.name}};
    for (const auto state : {probes::BreakerState::closed, probes::BreakerState::half_open,
                             probes::BreakerState::open}) {
      g.set("opsagent_upstream_circuit_state",
            "The shared circuit breaker of each upstream API: 1 for its current state "
            "(closed, half_open, open), 0 for the others.",
            flag(u.state == state),
            {{"upstream", u.name}, {"state", std::string(probes::to_string(state))}});
    }
    g.set("opsagent_upstream_consecutive_failures",
          "Failed probes of each upstream API since its last success.", u.consecutive_failures,
          upstream);
    g.set("opsagent_upstream_failure_threshold",
          "Consecutive failures that open the circuit (upstreams failure_threshold).",
          u.failure_threshold, upstream);
    add_latency_gauges(g, "opsagent_upstream_latency_seconds",
                       "Latency quantiles (nearest rank) of each upstream API's answered probes "
                       "in the window.",
                       {"upstream", u.name}, u.latency);
    g.count("opsagent_upstream_probes_total", "Probes of each upstream API.",
            static_cast<double>(u.probes), upstream);
    g.count("opsagent_upstream_failures_total",
            "Failed probes of each upstream API (no answer in time, refused, TLS, DNS, or another "
            "status than expect_status).",
            static_cast<double>(u.failures), upstream);
    g.count("opsagent_upstream_circuit_opened_total", "Times each upstream's circuit opened.",
            static_cast<double>(u.opened), upstream);
  }
}

// Only what the last read of each job's table said; a job never read has no series.
void add_job_metrics(ScrapeGauges& g, const std::vector<probes::JobReport>& jobs,
                     SteadyClock::time_point now) {
  for (const auto& j : jobs) {
    const Labels job{{"job", j.name}};
    g.set("opsagent_job_read_ok",
          "1 when the last read of each [[jobs]] entry's run table worked, 0 when it failed.",
          flag(j.read_error.empty()), job);
    if (j.read_at == SteadyClock::time_point{}) continue;  // never read: nothing known
    if (const auto age = j.success_age_at(now)) {
      g.set("opsagent_job_last_success_age_seconds",
            "Seconds since each job's last successful run finished.",
            static_cast<double>(age->count()), job);
    }
    g.set("opsagent_job_running", "1 while each job's latest run has started and not finished.",
          flag(j.running_for.has_value()), job);
    if (const auto running = j.running_for_at(now)) {
      g.set("opsagent_job_running_seconds", "How long each job's unfinished latest run has run.",
            static_cast<double>(running->count()), job);
    }
    if (!j.last_durations.empty()) {
      g.set("opsagent_job_last_duration_seconds", "Duration of each job's latest successful run.",
            static_cast<double>(j.last_durations.front().count()) / 1000.0, job);
    }
    if (const auto avg = j.average_duration()) {
      g.set("opsagent_job_average_duration_seconds",
            "Average duration of each job's last 5 successful runs.",
            static_cast<double>(avg->count()) / 1000.0, job);
    }
    g.set("opsagent_job_failures_in_window",
          "Failed runs of each job within its window (jobs window, default 24h).",
          j.failures_in_window, job);
  }
}

// Each column of each custom query's latest row; NULL columns have no sample.
void add_query_metrics(ScrapeGauges& g, const std::vector<probes::QueryReport>& queries) {
  for (const auto& q : queries) {
    g.set("opsagent_query_read_ok",
          "1 when the last run of each [[queries]] entry worked, 0 when it failed.",
          flag(q.read_error.empty()), {{"query", q.name}});
    for (const auto& c : q.columns) {
      if (!c.value) continue;
      g.set("opsagent_query_value",
            "Each numeric column of each [[queries]] entry's row, as of its last successful run.",
            *c.value, {{"query", q.name}, {"column", c.name}});
    }
  }
}

// No quota or no limit: no series for it (a share of the host would mislead), and
// opsagent_container_*_limited says which.
void add_container_metrics(ScrapeGauges& g, const probes::ContainerStatus& c) {
  if (c.source == probes::ContainerStatus::Source::none) return;
  g.set("opsagent_container_cpu_limited", "1 when the container's cgroup has a CPU quota.",
        flag(c.limited_cpu()));
  if (c.cpu_quota_cores) {
    g.set("opsagent_container_cpu_quota_cores", "The container's CPU quota, in cores.",
          *c.cpu_quota_cores);
  }
  if (c.cpu_cores_used) {
    g.set("opsagent_container_cpu_used_cores",
          "CPU the container used over the last sampling interval, in cores.", *c.cpu_cores_used);
  }
  if (c.cpu_ratio) {
    g.set("opsagent_container_cpu_usage_ratio",
          "CPU the container used over the last sampling interval, as a share of its quota.",
          *c.cpu_ratio);
  }
  g.count("opsagent_container_cpu_usage_seconds_total",
          "CPU time used by the container's cgroup since it began.", c.cpu_usage_seconds, {});
  g.count("opsagent_container_cpu_throttled_seconds_total",
          "Time the container's processes were throttled by the CPU quota.",
          c.cpu_throttled_seconds, {});
  g.count("opsagent_container_cpu_throttled_periods_total",
          "Quota periods in which the container was throttled.",
          static_cast<double>(c.cpu_throttled_periods), {});
  g.set("opsagent_container_memory_limited", "1 when the container's cgroup has a memory limit.",
        flag(c.limited_memory()));
  g.set("opsagent_container_memory_usage_bytes",
        "The container's memory working set: usage less inactive page cache.",
        static_cast<double>(c.memory_bytes));
  if (c.memory_limit_bytes) {
    g.set("opsagent_container_memory_limit_bytes", "The container's memory limit.",
          static_cast<double>(*c.memory_limit_bytes));
  }
  if (c.memory_ratio) {
    g.set("opsagent_container_memory_usage_ratio",
          "The container's memory working set as a share of its limit.", *c.memory_ratio);
  }
  if (c.oom_kills) {
    g.count("opsagent_container_oom_kills_total",
            "Processes of the container killed by the out-of-memory killer.",
            static_cast<double>(*c.oom_kills), {});
  }
  if (c.app) {
    g.set("opsagent_app_processes", "Processes of the supervised app (it and its descendants).",
          c.app->processes);
    g.set("opsagent_app_rss_bytes", "Resident memory of the supervised app's processes.",
          static_cast<double>(c.app->rss_bytes));
    if (c.app->cpu_cores) {
      g.set("opsagent_app_cpu_cores",
            "CPU the supervised app's processes used over the last sampling interval, in cores.",
            *c.app->cpu_cores);
    }
  }
}

}  // namespace

void add_app_metrics(ScrapeGauges& g, const probes::Snapshot& s, SteadyClock::time_point now) {
  add_http_check_latency(g, s.http_latency);
  add_upstream_metrics(g, s.upstreams);
  add_job_metrics(g, s.jobs, now);
  add_query_metrics(g, s.queries);
  if (s.container) add_container_metrics(g, *s.container);
}

}  // namespace opsagent::web
