#include "agent/web/database_metrics.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "config/syntax/choices.hpp"

namespace opsagent::web {

namespace {

using prometheus::Labels;

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

}  // namespace

void add_database_metrics(ScrapeGauges& g, const probes::Snapshot& s) {
  if (s.activity) {
    add_slot_gauges(g, *s.activity);
    add_session_gauges(g, *s.activity);
    add_wait_event_gauges(g, *s.activity);
  }
  if (s.locks) add_lock_gauges(g, *s.locks);
  if (s.pool) add_pool_gauges(g, *s.pool);
  if (s.hygiene) add_hygiene_gauges(g, *s.hygiene);
  if (s.terminations) add_termination_counters(g, *s.terminations);
  if (s.pgbouncer) add_pgbouncer_gauges(g, *s.pgbouncer);
  if (s.via_pooler) {
    g.set("opsagent_database_via_pooler",
          "1 when the agent's database connection goes through a pooler (counts are the "
          "pooler's server connections).",
          flag(*s.via_pooler));
  }
  add_utilization_gauges(g, s.utilization);
  if (s.exhaustion) add_forecast_gauges(g, *s.exhaustion);
}

}  // namespace opsagent::web
