#include "agent/web/metrics.hpp"

#include <prometheus/client_metric.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/alerts/alerts_status.hpp"
#include "agent/http/connection_stats.hpp"
#include "common/text/utf8.hpp"
#include "common/version.hpp"
#include "config/syntax/choices.hpp"

namespace opsagent::web {

namespace {

using prometheus::Labels;
using prometheus::Registry;
using Seconds = std::chrono::duration<double>;

// A cycle normally takes milliseconds; the top buckets catch deadline-bound cycles (connect +
// statement timeouts), which run to several seconds.
const prometheus::Histogram::BucketBoundaries kProbeDurationBuckets{
    .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};

// prometheus-cpp escapes quotes, backslashes and newlines in label values but passes bytes
// through, and a scraper rejects the whole exposition over one invalid UTF-8 byte. Label values
// can come from other people's sessions (application_name), so each invalid byte becomes U+FFFD.
Labels sanitized(const Labels& labels) {
  Labels out;
  for (const auto& [name, value] : labels) out.emplace(name, common::valid_utf8(value));
  return out;
}

// The gauges of one scrape, in a registry that lives only as long as the scrape: a series whose
// source is gone (an application that disconnected, a check no longer run) simply is not built.
class ScrapeGauges {
 public:
  void set(const std::string& name, const std::string& help, double value,
           const Labels& labels = {}) {
    series(name, help, labels).Set(value);
  }
  // Adds rather than sets: two groups whose labels become equal once sanitized (or a real
  // application literally named "(none)") are reported as their sum, not as whichever came last.
  void add(const std::string& name, const std::string& help, double value, const Labels& labels) {
    series(name, help, labels).Increment(value);
  }
  // A counter whose running total is kept elsewhere (the delivery queue): set once per scrape.
  void count(const std::string& name, const std::string& help, double total, const Labels& labels) {
    prometheus::BuildCounter()
        .Name(name)
        .Help(help)
        .Register(registry_)
        .Add(sanitized(labels))
        .Increment(total);
  }
  std::vector<prometheus::MetricFamily> collect() const { return registry_.Collect(); }

 private:
  prometheus::Gauge& series(const std::string& name, const std::string& help,
                            const Labels& labels) {
    // The registry merges a family built twice under the same name.
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry_).Add(
        sanitized(labels));
  }
  Registry registry_;
};

// Family::Collect yields series in hash order: sorted by labels, the exposition is stable from
// one scrape to the next and reads in order (states, applications) for a person with curl.
std::vector<prometheus::MetricFamily> sorted(std::vector<prometheus::MetricFamily> families) {
  for (auto& family : families) {
    // Label has operator< but not the full set std::ranges algorithms demand.
    std::sort(family.metric.begin(), family.metric.end(),
              [](const prometheus::ClientMetric& a, const prometheus::ClientMetric& b) {
                return std::lexicographical_compare(a.label.begin(), a.label.end(), b.label.begin(),
                                                    b.label.end());
              });
  }
  return families;
}

double flag(bool b) {
  return b ? 1 : 0;
}

int status_code(probes::CheckStatus s) {
  switch (s) {
    case probes::CheckStatus::pass:
      return 0;
    case probes::CheckStatus::warn:
      return 1;
    case probes::CheckStatus::fail:
      return 2;
  }
  return 2;
}

int level_code(probes::PoolLevel l) {
  switch (l) {
    case probes::PoolLevel::ok:
      return 0;
    case probes::PoolLevel::warn:
      return 1;
    case probes::PoolLevel::critical:
      return 2;
  }
  return 2;
}

void add_agent_gauges(ScrapeGauges& g, const RenderContext& ctx) {
  g.set("opsagent_build_info", "Always 1; the agent's version is in the label.", 1,
        {{"version", kVersion}});
  g.set("opsagent_ready", "1 when /health/ready answers 200, else 0.", flag(ctx.readiness.ready));
  g.set("opsagent_draining", "1 after SIGTERM while the agent drains, else 0.", flag(ctx.draining));
  if (ctx.snapshot == nullptr) return;
  const Seconds age = ctx.now - ctx.snapshot->completed;
  g.set("opsagent_snapshot_age_seconds", "Time since the latest probe cycle completed.",
        std::max(0.0, age.count()));
  for (const auto& check : ctx.snapshot->checks) {
    g.set("opsagent_check_status",
          "Latest result of each check of the probe cycle: 0 pass, 1 warn, 2 fail.",
          status_code(check.status), {{"check", check.name}});
  }
}

void add_session_states(ScrapeGauges& g, const std::string& name, const std::string& help,
                        const probes::SessionCounts& c, const Labels& group) {
  const std::pair<const char*, int> states[] = {
      {"active", c.active},
      {"idle", c.idle},
      {"idle_in_transaction", c.idle_in_transaction},
      {"idle_in_transaction_aborted", c.idle_in_transaction_aborted},
      {"other", c.other},
  };
  for (const auto& [state, n] : states) {
    Labels labels = group;
    labels.emplace("state", state);
    g.add(name, help, n, labels);
  }
}

void add_slot_gauges(ScrapeGauges& g, const probes::ActivitySnapshot& a) {
  g.set("opsagent_postgres_max_connections", "The server's max_connections setting.",
        a.max_connections);
  g.set("opsagent_postgres_superuser_reserved_connections",
        "The server's superuser_reserved_connections setting.", a.superuser_reserved_connections);
  if (a.reserved_connections) {
    g.set("opsagent_postgres_reserved_connections",
          "The server's reserved_connections setting (PostgreSQL 16 and later).",
          *a.reserved_connections);
  }
  g.set("opsagent_postgres_usable_slots",
        "Connection slots for ordinary roles: max_connections minus the reserved ones.",
        a.usable_slots);
  g.set("opsagent_postgres_connections_used", "Client backend sessions, the agent's own excluded.",
        a.used());
  g.set("opsagent_postgres_connections_free",
        "Usable slots left for ordinary roles, after the agent's own session.", a.free_slots());
  g.set("opsagent_postgres_connection_utilization_ratio",
        "Used connections over usable slots; superusers can take it past 1.", a.utilization());
}

void add_session_gauges(ScrapeGauges& g, const probes::ActivitySnapshot& a) {
  const auto& s = a.sessions;
  add_session_states(g, "opsagent_postgres_connections",
                     "Client backend sessions by state, the agent's own excluded.", s, {});
  for (const auto& group : a.by_application) {
    // The breakdown is capped (kMaxGroups, the rest as "(other)"): bounded label cardinality.
    add_session_states(g, "opsagent_postgres_application_connections",
                       "Client backend sessions by application_name and state; the smallest "
                       "groups are summed into application=\"(other)\".",
                       group.counts, {{"application", group.key.empty() ? "(none)" : group.key}});
  }
  g.set("opsagent_postgres_waiting_on_locks", "Sessions waiting for a lock.", s.waiting_on_locks);
  // 0 rather than absent when there is none, so alert expressions need no absent() guard.
  g.set("opsagent_postgres_oldest_transaction_age_seconds",
        "Age of the oldest open transaction; 0 when none is open.", s.oldest_xact_s.value_or(0));
  g.set("opsagent_postgres_oldest_idle_in_transaction_age_seconds",
        "Longest time a session has been idle in a transaction; 0 when none is.",
        s.oldest_idle_in_xact_s.value_or(0));
  g.set("opsagent_postgres_longest_query_seconds",
        "Run time of the longest-running active query; 0 when none runs.",
        s.longest_query_s.value_or(0));
  g.set("opsagent_postgres_partial_view",
        "1 when the agent's role lacks pg_read_all_stats, so counts are a lower bound.",
        flag(a.partial_view));
  g.set("opsagent_postgres_hidden_sessions", "Sessions whose details the agent's role may not see.",
        a.hidden_sessions);
}

// Active sessions by wait event: capped (kMaxWaitEvents, the rest as "(other)"), so the label
// set stays bounded.
void add_wait_event_gauges(ScrapeGauges& g, const probes::ActivitySnapshot& a) {
  for (const auto& w : a.wait_events) {
    g.add("opsagent_postgres_active_sessions_by_wait_event",
          "Active client sessions by wait_event_type and wait_event; both empty: running with no "
          "wait reported; the smallest groups are summed into wait_event_type=\"(other)\".",
          w.sessions, {{"wait_event_type", w.type}, {"wait_event", w.event}});
  }
}

// The lock queues as sizes and waits only: a pid or a statement as a label would make a new
// series with every incident.
void add_lock_gauges(ScrapeGauges& g, const probes::LockTree& t) {
  g.set("opsagent_lock_queues",
        "Lock queues: sessions that block others without waiting themselves, each with the "
        "sessions waiting behind it.",
        static_cast<double>(t.queues.size()) + t.queues_cut);
  g.set("opsagent_lock_queue_sessions",
        "Sessions waiting in the largest lock queue; 0 when none waits.", t.largest_queue());
  g.set("opsagent_lock_queue_head_wait_seconds",
        "Longest time the head of a lock queue (the session first in line behind the blocker) "
        "has waited; 0 when none waits.",
        t.longest_head_wait_s());
  g.set("opsagent_lock_tree_read_ok",
        "0 when sessions waited on locks but who blocks whom could not be read, else 1.",
        flag(t.unread.empty()));
}

void add_pool_gauges(ScrapeGauges& g, const probes::PoolReport& pool) {
  for (const auto& c : pool.clients) {
    const Labels labels{{"client", c.name}};
    g.set("opsagent_pool_client_connections",
          "Sessions of a declared pool client (application_name matches its pattern).",
          c.connections, labels);
    g.set("opsagent_pool_client_budget_connections",
          "A pool client's declared budget: instances times pool_max.", c.budget, labels);
    g.set("opsagent_pool_client_instances_at_limit",
          "Instances of a pool client holding pool_max connections or more.", c.instances_at_limit,
          labels);
  }
  // Without declared clients there is no budget to fit ("0 declared, fits" would mislead) and
  // every session is unattributed (a copy of connections_used).
  if (!pool.clients.empty()) {
    g.set("opsagent_pool_unattributed_connections",
          "Sessions that no declared pool client's pattern matches.", pool.unattributed);
    g.set("opsagent_pool_budget_declared_connections", "Sum of the declared pool clients' budgets.",
          static_cast<double>(pool.budget.declared));
    g.set("opsagent_pool_budget_fits", "1 when the declared budgets fit in the usable slots.",
          flag(pool.budget.fits));
    if (pool.budget.overlap > 1) {
      g.set("opsagent_pool_budget_deploy_connections",
            "What Postgres may see during a deploy: deploy.overlap deployments' pools at once.",
            static_cast<double>(pool.budget.during_deploy));
      g.set("opsagent_pool_budget_deploy_fits",
            "1 when the overlapping deployments' pools fit in the usable slots.",
            flag(pool.budget.deploy_fits));
    }
  }
  g.set("opsagent_pool_level",
        "Connection use against the pool thresholds: 0 ok, 1 warn, 2 "
        "critical.",
        level_code(pool.level));
}

// Per declared client and mode (bounded by the config); kept by the probe loop since the start.
void add_termination_counters(ScrapeGauges& g, const probes::TerminationRecord& t) {
  for (const auto& [key, n] : t.totals) {
    g.count("opsagent_sessions_terminated_total",
            "Sessions of a declared client idle in a transaction that "
            "pool.terminate_idle_in_transaction terminated (mode on) or would have terminated "
            "(mode dry_run).",
            static_cast<double>(n),
            Labels{{"client", key.first}, {"mode", std::string(config::to_string(key.second))}});
  }
}

// Per declared client only (bounded by the config): a leaked worker's application_name would
// be a label value that changes with every restart.
void add_hygiene_gauges(ScrapeGauges& g, const probes::ConnectionHygiene& h) {
  for (const auto& i : h.idle_in_transaction) {
    const Labels labels{{"client", i.client}};
    g.set("opsagent_pool_client_idle_in_transaction_connections",
          "A declared client's sessions idle in a transaction.", i.sessions, labels);
    g.set("opsagent_pool_client_idle_in_transaction_past_warn_connections",
          "A declared client's sessions idle in a transaction for pool.idle_in_transaction_warn "
          "or longer.",
          i.past_warn, labels);
    g.set("opsagent_pool_client_oldest_idle_in_transaction_age_seconds",
          "Longest time a declared client's session has been idle in a transaction; 0 when none "
          "is.",
          i.oldest_s.value_or(0), labels);
    if (!h.leaks_checked) continue;
    int leaked = 0;
    double oldest = 0;
    for (const auto& l : h.leaked) {
      if (l.client != i.client) continue;
      leaked += l.sessions;
      oldest = std::max(oldest, l.oldest_s.value_or(0));
    }
    g.set("opsagent_pool_client_leaked_connections",
          "Supervise mode: a declared client's sessions named after a worker process that no "
          "longer runs.",
          leaked, labels);
    g.set("opsagent_pool_client_oldest_leaked_age_seconds",
          "Supervise mode: age of a declared client's oldest leaked session; 0 when none.", oldest,
          labels);
  }
}

void add_pgbouncer_gauges(ScrapeGauges& g, const probes::PgBouncerSnapshot& b) {
  for (const auto& p : b.pools) {
    const Labels pool{{"database", p.database}, {"user", p.user}};
    const auto with = [&](const char* key, const char* value) {
      Labels l = pool;
      l[key] = value;
      return l;
    };
    const char* clients = "PgBouncer clients of a pool by state (SHOW POOLS cl_*).";
    g.set("opsagent_pgbouncer_clients", clients, p.cl_active, with("state", "active"));
    g.set("opsagent_pgbouncer_clients", clients, p.cl_waiting, with("state", "waiting"));
    const char* servers = "PgBouncer server connections of a pool by state (SHOW POOLS sv_*).";
    g.set("opsagent_pgbouncer_servers", servers, p.sv_active, with("state", "active"));
    g.set("opsagent_pgbouncer_servers", servers, p.sv_idle, with("state", "idle"));
    g.set("opsagent_pgbouncer_servers", servers, p.sv_used, with("state", "used"));
    g.set("opsagent_pgbouncer_maxwait_seconds",
          "How long the oldest client of a pool has waited for a server connection.", p.maxwait_s,
          pool);
    g.set("opsagent_pgbouncer_pool_size_connections",
          "Server connections a pool may open: pool_size plus reserve_pool.",
          p.pool_size + p.reserve_pool, pool);
  }
  g.set("opsagent_pgbouncer_max_client_conn", "PgBouncer's max_client_conn.", b.max_client_conn);
}

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

void add_utilization_gauges(ScrapeGauges& g, const probes::UtilizationSummary& u) {
  for (const auto& w : u.windows) {
    if (w.samples == 0) continue;
    const Labels labels{{"window", probes::window_label(w.window)}};
    g.set("opsagent_pool_utilization_max_ratio",
          "Highest connection utilization seen in the window.", w.max, labels);
    g.set("opsagent_pool_utilization_p95_ratio",
          "95th percentile (nearest rank) of connection utilization in the window.", w.p95, labels);
  }
}

// The trend exists once there are enough samples; the forecast only while it is rising, so
// "no forecast" is an absent series, never NaN or +Inf.
void add_forecast_gauges(ScrapeGauges& g, const probes::ExhaustionForecast& f) {
  if (f.trend == probes::Trend::too_few_samples) return;
  const Labels labels{{"window", probes::window_label(f.window)}};
  g.set("opsagent_pool_connections_trend_per_minute",
        "The trend of the connections in use over pool.forecast_window (Theil-Sen slope), "
        "connections per minute.",
        f.per_minute, labels);
  if (f.exhausted_in) {
    g.set("opsagent_pool_exhaustion_forecast_seconds",
          "At the current trend, seconds until the usable slots run out (only while rising).",
          static_cast<double>(f.exhausted_in->count()), labels);
  }
}

void add_alert_metrics(ScrapeGauges& g, const alerts::AlertsStatus& a) {
  if (a.role == alerts::Role::off) return;
  g.set("opsagent_alert_leader",
        "1 when this agent sends alert notifications, 0 when another agent does.",
        flag(a.role == alerts::Role::leader));
  for (const auto& r : a.receivers) {
    const auto outcome = [&](std::string_view o) {
      return Labels{{"receiver", r.name}, {"outcome", std::string(o)}};
    };
    const std::string help =
        "Alert notifications by receiver and outcome: delivered, retried (an attempt failed and "
        "was scheduled again), failed (given up), dropped (pushed out of a full queue).";
    g.count("opsagent_alert_notifications_total", help, static_cast<double>(r.stats.delivered),
            outcome("delivered"));
    g.count("opsagent_alert_notifications_total", help, static_cast<double>(r.stats.retried),
            outcome("retried"));
    g.count("opsagent_alert_notifications_total", help, static_cast<double>(r.stats.failed),
            outcome("failed"));
    g.count("opsagent_alert_notifications_total", help, static_cast<double>(r.stats.dropped),
            outcome("dropped"));
    g.set("opsagent_alert_queue_length", "Notifications waiting to be delivered, by receiver.",
          static_cast<double>(r.stats.queued), {{"receiver", r.name}});
    g.set("opsagent_alert_receiver_disabled",
          "1 when a receiver answered 410 Gone and is disabled until the config changes.",
          flag(r.stats.disabled), {{"receiver", r.name}});
  }
  std::map<std::pair<std::string, std::string>, int> firing;
  for (const auto& alert : a.firing) {
    ++firing[{alert.labels.at("alertname"), std::string(alerts::to_string(alert.severity))}];
  }
  for (const auto& [key, n] : firing) {
    g.set("opsagent_alerts_firing", "Alerts firing now, by name and severity.", n,
          {{"alertname", key.first}, {"severity", key.second}});
  }
  g.set("opsagent_alert_notifications_suppressed",
        "Notifications held back by alerts.max_per_hour, not yet summarised.", a.suppressed);
}

void add_connection_metrics(ScrapeGauges& g, const http::ConnectionStats& c) {
  g.set("opsagent_http_connections", "Client connections open now (at most 512).",
        static_cast<double>(c.open_connections));
  g.count("opsagent_http_connections_accepted_total", "Client connections accepted.",
          static_cast<double>(c.accepted), {});
  const std::string help =
      "Client connections the agent closed by reason: evicted (the longest-waiting one, to "
      "admit a new connection at the limit), timed_out (idle past keep-alive, or a request "
      "head not complete in time: 408), head_too_large (431), refused_head (malformed or "
      "ambiguous framing: 400 or 505; Range: 416), slow_reader (an answer not taken by the "
      "client within the write timeout).";
  g.count("opsagent_http_connections_closed_total", help, static_cast<double>(c.evicted),
          {{"reason", "evicted"}});
  g.count("opsagent_http_connections_closed_total", help, static_cast<double>(c.timed_out),
          {{"reason", "timed_out"}});
  g.count("opsagent_http_connections_closed_total", help, static_cast<double>(c.head_too_large),
          {{"reason", "head_too_large"}});
  g.count("opsagent_http_connections_closed_total", help, static_cast<double>(c.refused_heads),
          {{"reason", "refused_head"}});
  g.count("opsagent_http_connections_closed_total", help, static_cast<double>(c.slow_readers),
          {{"reason", "slow_reader"}});
  const std::string limited =
      "Requests answered 429 because their client address exceeded agent.rate_limit.";
  g.count("opsagent_http_rate_limited_total", limited, static_cast<double>(c.rate_limited_status),
          {{"path", "/status"}});
  g.count("opsagent_http_rate_limited_total", limited, static_cast<double>(c.rate_limited_metrics),
          {{"path", "/metrics"}});
}

}  // namespace

// The accumulating series: they must survive between scrapes, so they live as long as the agent.
// Families are registered once here; Family::Add and the metrics themselves are thread-safe.
struct PrometheusMetrics::Impl {
  Registry registry;
  prometheus::Histogram& probe_duration = prometheus::BuildHistogram()
                                              .Name("opsagent_probe_duration_seconds")
                                              .Help("Duration of whole probe cycles.")
                                              .Register(registry)
                                              .Add({}, kProbeDurationBuckets);
  prometheus::Counter& probe_cycles = prometheus::BuildCounter()
                                          .Name("opsagent_probe_cycles_total")
                                          .Help("Probe cycles completed and published.")
                                          .Register(registry)
                                          .Add({});
  prometheus::Family<prometheus::Counter>& probe_errors =
      prometheus::BuildCounter()
          .Name("opsagent_probe_errors_total")
          .Help("Failing checks, counted once per probe cycle, by check and error class.")
          .Register(registry);
};

PrometheusMetrics::PrometheusMetrics() : impl_(std::make_unique<Impl>()) {}

PrometheusMetrics::~PrometheusMetrics() = default;

void PrometheusMetrics::observe_cycle(const probes::Snapshot& snapshot) {
  impl_->probe_cycles.Increment();
  impl_->probe_duration.Observe(Seconds(snapshot.duration).count());
  for (const auto& check : snapshot.checks) {
    if (check.status != probes::CheckStatus::fail) continue;
    const Labels labels{{"check", common::valid_utf8(check.name)},
                        {"class", std::string(probes::to_string(check.error))}};
    impl_->probe_errors.Add(labels).Increment();
  }
}

std::string PrometheusMetrics::render(const RenderContext& ctx) const {
  ScrapeGauges gauges;
  add_agent_gauges(gauges, ctx);
  if (const auto* s = ctx.snapshot) {
    if (s->activity) {
      add_slot_gauges(gauges, *s->activity);
      add_session_gauges(gauges, *s->activity);
      add_wait_event_gauges(gauges, *s->activity);
    }
    if (s->locks) add_lock_gauges(gauges, *s->locks);
    if (s->pool) add_pool_gauges(gauges, *s->pool);
    if (s->hygiene) add_hygiene_gauges(gauges, *s->hygiene);
    if (s->terminations) add_termination_counters(gauges, *s->terminations);
    if (s->pgbouncer) add_pgbouncer_gauges(gauges, *s->pgbouncer);
    if (s->via_pooler) {
      gauges.set("opsagent_database_via_pooler",
                 "1 when the agent's database connection goes through a pooler (counts are the "
                 "pooler's server connections).",
                 flag(*s->via_pooler));
    }
    add_utilization_gauges(gauges, s->utilization);
    add_http_check_latency(gauges, s->http_latency);
    if (s->exhaustion) add_forecast_gauges(gauges, *s->exhaustion);
    add_upstream_metrics(gauges, s->upstreams);
    add_job_metrics(gauges, s->jobs, ctx.now);
    add_query_metrics(gauges, s->queries);
    if (s->container) add_container_metrics(gauges, *s->container);
  }
  if (ctx.alerts) add_alert_metrics(gauges, *ctx.alerts);
  if (ctx.connections) add_connection_metrics(gauges, *ctx.connections);
  // Two registries, one exposition: their family names are disjoint (gauges here, the counters
  // and the histogram there), so no family appears twice.
  std::ostringstream out;
  const prometheus::TextSerializer serializer;
  serializer.Serialize(out, sorted(gauges.collect()));
  serializer.Serialize(out, sorted(impl_->registry.Collect()));
  return out.str();
}

}  // namespace opsagent::web
