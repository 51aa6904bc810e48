#include "agent/alerts/rules.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "agent/alerts/app_rules.hpp"
#include "common/text/time_format.hpp"
#include "config/syntax/duration.hpp"
#include "config/syntax/threshold.hpp"

namespace opsagent::alerts {
namespace {

using probes::ActivitySnapshot;
using probes::SessionCounts;

constexpr std::size_t kTopApplications = 5;

std::string app_name(const std::string& key) {
  return key.empty() ? "(none)" : key;
}

std::string seconds_text(double s) {
  return config::format_duration(
      config::Duration(static_cast<std::int64_t>(std::max(0.0, s) * 1000)));
}

std::string state_breakdown(const SessionCounts& c) {
  std::string out = fmt::format("{} active, {} idle, {} idle in transaction", c.active, c.idle,
                                c.idle_in_transaction);
  if (c.idle_in_transaction_aborted > 0)
    out += fmt::format(" ({} aborted)", c.idle_in_transaction_aborted);
  if (c.waiting_on_locks > 0) out += fmt::format(", {} waiting on locks", c.waiting_on_locks);
  return out;
}

// "used/usable (pct%)" and who holds the connections: the facts every database alert carries.
std::vector<std::string> activity_context(const ActivitySnapshot& a) {
  std::vector<std::string> out;
  out.push_back(fmt::format("{}/{} usable connection slots in use ({:.1f}%); max_connections {}",
                            a.used(), a.usable_slots, a.utilization() * 100, a.max_connections));
  if (a.partial_view) {
    out.emplace_back(
        "partial view: the agent's role cannot see other roles' sessions (grant "
        "pg_monitor); counts are a lower bound");
  }
  for (std::size_t i = 0; i < a.by_application.size() && i < kTopApplications; ++i) {
    const auto& g = a.by_application[i];
    out.push_back(
        fmt::format("{}: {} ({})", app_name(g.key), g.counts.total, state_breakdown(g.counts)));
  }
  if (a.sessions.oldest_idle_in_xact_s) {
    out.push_back("oldest idle in transaction: " + seconds_text(*a.sessions.oldest_idle_in_xact_s));
  }
  return out;
}

// The application holding the most sessions that match `count`, e.g. idle in transaction.
std::vector<std::string> top_by(const ActivitySnapshot& a, int SessionCounts::*count,
                                std::string_view what) {
  std::vector<const probes::GroupCount*> groups;
  for (const auto& g : a.by_application) {
    if (g.counts.*count > 0) groups.push_back(&g);
  }
  std::ranges::stable_sort(groups,
                           [&](auto* x, auto* y) { return x->counts.*count > y->counts.*count; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < groups.size() && i < kTopApplications; ++i) {
    out.push_back(
        fmt::format("{}: {} {}", app_name(groups[i]->key), groups[i]->counts.*count, what));
  }
  return out;
}

void append(std::vector<std::string>& to, const std::vector<std::string>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

void saturation(const probes::Snapshot& s, const config::Config& c, bool active,
                const std::string& db, RuleOutcome& out) {
  const auto& a = *s.activity;
  const auto& pool = *s.pool;
  Severity severity = Severity::warning;
  if (pool.level == probes::PoolLevel::critical) {
    severity = Severity::critical;
  } else if (pool.level == probes::PoolLevel::ok) {
    // Inside the hysteresis band an active alert stays (as warning); a new one does not start.
    const bool cleared = !c.alerts.clear_below.reached(a.used(), a.usable_slots);
    if (!active || cleared) return;
  }
  auto f = make_finding(kRulePoolSaturation, "PostgresPoolSaturation", severity,
                        fmt::format("Postgres connections at {:.0f}% ({}/{} usable slots)",
                                    a.utilization() * 100, a.used(), a.usable_slots),
                        db);
  f.details = activity_context(a);
  f.measure = a.utilization();
  f.details.push_back(fmt::format(
      "warn at {}, critical at {}, clears below {}", config::format_threshold(c.pool.warn),
      config::format_threshold(c.pool.critical), config::format_threshold(c.alerts.clear_below)));
  if (!pool.clients.empty()) f.details.push_back("budget: " + pool.budget.arithmetic);
  out.findings.push_back(std::move(f));
}

// At the trend of the last pool.forecast_window the usable slots run out within
// pool.forecast_horizon: a warning while there is still time to act. Quiet when the trend is
// flat, falling or not known yet (the forecast says why); it resolves once the trend eases.
void exhaustion_forecast(const probes::Snapshot& s, const config::Config& c, const std::string& db,
                         RuleOutcome& out) {
  if (!s.exhaustion) {
    out.unknown_rules.insert(std::string(kRulePoolExhaustionForecast));
    return;
  }
  const auto& f = *s.exhaustion;
  if (!f.within(c.pool.forecast_horizon)) return;
  const auto left = static_cast<double>(f.exhausted_in->count());
  auto finding = make_finding(
      kRulePoolExhaustionForecast, "PostgresPoolExhaustionForecast", Severity::warning,
      left == 0 ? fmt::format("Postgres connections rising +{:.1f}/min with the "
                              "usable slots used up ({}/{})",
                              f.per_minute, f.used, f.usable)
                : fmt::format("at this rate the usable Postgres slots run out in {} "
                              "(+{:.1f} connections/min, {}/{} in use)",
                              common::format_elapsed(left), f.per_minute, f.used, f.usable),
      db);
  // Sooner is worse: the resolve reports the nearest forecast of the incident.
  finding.measure = -left;
  finding.details.push_back(probes::describe(f));
  finding.details.push_back(fmt::format(
      "trend over {} samples of the last {} (pool.forecast_window); alerts within {} "
      "(pool.forecast_horizon)",
      f.samples, probes::window_label(f.window), config::format_duration(c.pool.forecast_horizon)));
  if (s.activity) append(finding.details, activity_context(*s.activity));
  if (s.pool && !s.pool->clients.empty())
    finding.details.push_back("budget: " + s.pool->budget.arithmetic);
  finding.details.emplace_back(
      "find who is opening connections (the applications above), or make room: fewer workers "
      "or smaller pools, PgBouncer, or a higher max_connections");
  out.findings.push_back(std::move(finding));
}

void clients_at_limit(const probes::Snapshot& s, const std::string& db, RuleOutcome& out) {
  for (const auto& client : s.pool->clients) {
    if (client.instances_at_limit == 0) continue;
    auto f = make_finding(
        kRuleClientPoolAtLimit, "PostgresClientPoolAtLimit", Severity::warning,
        fmt::format("{} of {} {} instance(s) at their pool limit of {}", client.instances_at_limit,
                    client.instances, client.name, client.pool_max),
        db);
    f.labels["client"] = client.name;
    f.measure = client.instances_at_limit;
    for (const auto& i : client.per_instance) {
      if (i.at_limit) {
        f.details.push_back(fmt::format("{}: {}/{} connections", app_name(i.application_name),
                                        i.connections, client.pool_max));
      }
    }
    f.details.push_back(
        fmt::format("{} ({}): {}", client.name, client.pattern, state_breakdown(client.counts)));
    f.details.emplace_back(
        "requests in these workers wait for a connection (or fail at the pool's "
        "timeout)");
    out.findings.push_back(std::move(f));
  }
}

// A session age past its limit (a limit of 0 turns the rule off): a warning whose summary reads
// "<what> for <age> (limit <limit>)".
std::optional<Finding> age_past_limit(std::string_view rule, std::string alertname,
                                      std::optional<double> age_s, config::Duration limit,
                                      std::string_view what, const std::string& db) {
  if (limit.count() <= 0 || !age_s || *age_s < static_cast<double>(limit.count()) / 1000) {
    return std::nullopt;
  }
  auto f = make_finding(rule, std::move(alertname), Severity::warning,
                        fmt::format("{} for {} (limit {})", what, seconds_text(*age_s),
                                    config::format_duration(limit)),
                        db);
  f.measure = *age_s;
  return f;
}

void session_age_rules(const probes::Snapshot& s, const config::Config& c, const std::string& db,
                       RuleOutcome& out) {
  const auto& a = *s.activity;
  const auto& sessions = a.sessions;
  if (auto f = age_past_limit(kRuleIdleInTransaction, "PostgresIdleInTransaction",
                              sessions.oldest_idle_in_xact_s, c.alerts.idle_in_transaction,
                              "a session has been idle in a transaction", db)) {
    f->details = top_by(a, &SessionCounts::idle_in_transaction, "idle in transaction");
    f->details.emplace_back("it holds its locks and a connection slot, and blocks vacuum");
    out.findings.push_back(std::move(*f));
  }
  if (auto f =
          age_past_limit(kRuleLongTransaction, "PostgresLongTransaction", sessions.oldest_xact_s,
                         c.alerts.long_transaction, "a transaction has been open", db)) {
    if (sessions.longest_query_s) {
      f->details.push_back("longest running query: " + seconds_text(*sessions.longest_query_s));
    }
    append(f->details, top_by(a, &SessionCounts::active, "active"));
    out.findings.push_back(std::move(*f));
  }
  if (c.alerts.lock_waiters > 0 && sessions.waiting_on_locks >= c.alerts.lock_waiters) {
    auto f = make_finding(kRuleLockWaits, "PostgresLockWaits", Severity::warning,
                          fmt::format("{} session(s) waiting on locks (alert at {})",
                                      sessions.waiting_on_locks, c.alerts.lock_waiters),
                          db);
    f.measure = sessions.waiting_on_locks;
    f.details = top_by(a, &SessionCounts::waiting_on_locks, "waiting on locks");
    if (sessions.oldest_xact_s) {
      f.details.push_back("oldest open transaction: " + seconds_text(*sessions.oldest_xact_s));
    }
    out.findings.push_back(std::move(f));
  }
}

// A lock queue whose head has waited locks.alert_after, or that holds locks.alert_queued
// sessions: one alert for the database, naming the worst such queue's head and blocker in its
// summary (pids change with every incident: never a label). Critical once a head waited
// locks.critical_after. A tree that could not be read while sessions wait is unknown, not fine.
void lock_queue(const probes::Snapshot& s, const config::Config& c, const std::string& db,
                RuleOutcome& out) {
  if (!s.locks) return;
  const auto& tree = *s.locks;
  if (!tree.unread.empty()) {
    out.unknown_rules.insert(std::string(kRuleLockQueue));
    return;
  }
  const auto& l = c.locks;
  const auto reached = [](double wait_s, config::Duration limit) {
    return limit.count() > 0 && wait_s * 1000 >= static_cast<double>(limit.count());
  };
  const auto alerting = std::ranges::find_if(tree.queues, [&](const probes::LockQueue& q) {
    return reached(q.head_wait_s(), l.alert_after) ||
           (l.alert_queued > 0 && q.waiting >= l.alert_queued);
  });
  if (alerting == tree.queues.end()) return;
  const bool critical = reached(tree.longest_head_wait_s(), l.critical_after);
  auto f = make_finding(kRuleLockQueue, "PostgresLockQueue",
                        critical ? Severity::critical : Severity::warning,
                        "lock queue: " + probes::queue_summary(*alerting), db);
  f.measure = alerting->waiting;
  const std::size_t queues = tree.queues.size() + static_cast<std::size_t>(tree.queues_cut);
  f.details.push_back(
      fmt::format("{} session(s) waiting on locks in {} queue(s)", tree.waiting, queues));
  for (const auto& q : tree.queues) {
    if (&q == &*alerting || f.details.size() > 3) continue;
    f.details.push_back("also: " + probes::queue_summary(q));
  }
  f.details.push_back(
      fmt::format("alerts when a head waited {} or {} sessions wait in one queue; critical at {} "
                  "(locks.alert_after, locks.alert_queued, locks.critical_after)",
                  config::format_duration(l.alert_after), l.alert_queued,
                  config::format_duration(l.critical_after)));
  f.details.push_back(fmt::format(
      "end the blocker (SELECT pg_terminate_backend({})) or cancel the head; run migrations with "
      "a short lock_timeout so they give up instead of queueing the app behind them",
      alerting->root().session.pid));
  out.findings.push_back(std::move(f));
}

// Clients queued in PgBouncer for a server connection: the app's requests hang right now, while
// Postgres itself may look calm (its slots are capped by PgBouncer's pool sizes).
void pgbouncer_queue(const probes::Snapshot& s, const config::Config& c, const std::string& db,
                     RuleOutcome& out) {
  if (!c.pgbouncer.enabled()) return;
  if (!s.pgbouncer) {
    out.unknown_rules.insert(std::string(kRulePgBouncerQueue));  // the console did not answer
    return;
  }
  const auto& b = *s.pgbouncer;
  const int waiting = b.clients_waiting();
  if (waiting == 0) return;
  const double longest = b.longest_wait_s();
  const bool critical = c.pgbouncer.maxwait_critical.count() > 0 &&
                        longest * 1000 >= static_cast<double>(c.pgbouncer.maxwait_critical.count());
  auto f = make_finding(
      kRulePgBouncerQueue, "PgBouncerClientsWaiting",
      critical ? Severity::critical : Severity::warning,
      fmt::format("{} client(s) waiting in PgBouncer for a server connection (longest {})", waiting,
                  seconds_text(longest)),
      db);
  for (const auto& p : b.pools) {
    if (p.cl_waiting == 0) continue;
    f.details.push_back(fmt::format(
        "{}/{} ({} mode): {} waiting, {} active clients; {}/{} server connections active, {} idle",
        p.database, p.user, p.pool_mode, p.cl_waiting, p.cl_active, p.sv_active,
        p.pool_size + p.reserve_pool, p.sv_idle));
  }
  f.details.push_back(fmt::format("critical when a client waits {} (pgbouncer.maxwait_critical)",
                                  config::format_duration(c.pgbouncer.maxwait_critical)));
  f.details.emplace_back(
      "raise the pool's pool_size if Postgres has slots to spare, or find what holds the server "
      "connections (long transactions, idle in transaction)");
  out.findings.push_back(std::move(f));
}

// Sessions of a declared client whose worker process is gone (supervise mode): one alert per
// client, with each leaked worker and its sessions' age. Unknown (neither fires nor resolves)
// in a cycle that could not look: no activity, or the app's processes were not readable.
void leaked_connections(const probes::Snapshot& s, const std::string& db, RuleOutcome& out) {
  if (!s.hygiene || !s.hygiene->leaks_checked) {
    if (s.hygiene || !s.activity) out.unknown_rules.insert(std::string(kRuleLeakedConnections));
    return;
  }
  std::map<std::string, std::vector<const probes::LeakedConnections*>> by_client;
  for (const auto& l : s.hygiene->leaked) by_client[l.client].push_back(&l);
  for (const auto& [client, leaks] : by_client) {
    int sessions = 0;
    double oldest = 0;
    std::vector<std::string> details;
    for (const auto* l : leaks) {
      sessions += l->sessions;
      oldest = std::max(oldest, l->oldest_s.value_or(0));
      details.push_back(fmt::format(
          "{}: {} session(s), oldest {}; worker {} no longer runs", l->application_name,
          l->sessions, l->oldest_s ? seconds_text(*l->oldest_s) : "of unknown age", l->worker_pid));
    }
    auto f =
        make_finding(kRuleLeakedConnections, "PostgresLeakedConnections", Severity::warning,
                     fmt::format("{} leaked session(s) of {}: named after worker processes that no "
                                 "longer run (oldest {})",
                                 sessions, client, seconds_text(oldest)),
                     db);
    f.labels["client"] = client;
    f.measure = sessions;
    f.details = std::move(details);
    f.details.emplace_back(
        "each holds a connection slot until the process holding it exits or the session is "
        "terminated (pg_terminate_backend)");
    out.findings.push_back(std::move(f));
  }
}

// Sessions pool.terminate_idle_in_transaction terminated (or in dry_run, would have) within the
// record's quiet period: one alert per client, resolved once a quiet period passes without one.
void sessions_terminated(const probes::Snapshot& s, const std::string& db, RuleOutcome& out) {
  if (!s.terminations) return;
  const bool dry = s.terminations->mode == probes::TerminateMode::dry_run;
  std::map<std::string, std::vector<const probes::Termination*>> by_client;
  for (const auto* t : s.terminations->within_quiet_period(s.taken_at)) {
    by_client[t->client].push_back(t);
  }
  for (const auto& [client, sessions] : by_client) {
    std::vector<std::string> details;
    for (const auto* t : sessions) {
      details.push_back(fmt::format("{} (pid {}, role {}) idle in a transaction for {}{}",
                                    t->application_name, t->pid, t->role, seconds_text(t->age_s),
                                    t->mode == probes::TerminateMode::dry_run ? ": would terminate"
                                    : t->terminated                           ? ": terminated"
                                                                              : ": already gone"));
    }
    auto f = make_finding(
        kRuleSessionsTerminated, "PostgresSessionsTerminated", Severity::warning,
        fmt::format("{} session(s) of {} idle in a transaction {} while the pool was at "
                    "or above pool.warn",
                    sessions.size(), client,
                    dry ? "would have been terminated (dry_run)" : "terminated"),
        db);
    f.labels["client"] = client;
    f.measure = static_cast<double>(sessions.size());
    f.details = std::move(details);
    f.details.emplace_back(
        "find what leaves the transaction open (a request or job that does not commit or roll "
        "back); the alert resolves once no session was terminated for " +
        config::format_duration(
            std::chrono::duration_cast<config::Duration>(probes::TerminationRecord::kQuietPeriod)));
    out.findings.push_back(std::move(f));
  }
}

void readiness(const probes::Snapshot& s, const std::string& db, RuleOutcome& out) {
  const auto* failure = s.first_failure();
  if (!failure) return;
  auto f = make_finding(
      kRuleReadiness, "DatabaseNotReady", Severity::critical,
      fmt::format("not ready: {} failed ({})", failure->name, to_string(failure->error)), db);
  for (const auto& c : s.checks) {
    if (c.gates_readiness && c.status == probes::CheckStatus::fail) {
      std::string line = c.name + ": " + std::string(to_string(c.error)) + ": " + c.message;
      f.details.push_back(std::move(line));
    }
  }
  out.findings.push_back(std::move(f));
}

}  // namespace

Finding make_finding(std::string_view rule, std::string alertname, Severity severity,
                     std::string summary, const std::string& database) {
  Finding f;
  f.rule = std::string(rule);
  f.labels = {{"alertname", std::move(alertname)}, {"database", database}};
  f.severity = severity;
  f.summary = std::move(summary);
  return f;
}

RuleOutcome evaluate_rules(const probes::Snapshot& snapshot, const config::Config& config,
                           bool saturation_active, const std::string& database) {
  RuleOutcome out;
  readiness(snapshot, database, out);
  pgbouncer_queue(snapshot, config, database, out);
  evaluate_app_rules(snapshot, config, database, out);
  leaked_connections(snapshot, database, out);
  sessions_terminated(snapshot, database, out);
  out.now = snapshot.first_failure() ? "not ready" : "ready";
  if (snapshot.activity) out.now += "; " + activity_context(*snapshot.activity).front();
  if (!snapshot.activity || !snapshot.pool) {
    for (auto rule :
         {kRulePoolSaturation, kRuleClientPoolAtLimit, kRuleIdleInTransaction, kRuleLongTransaction,
          kRuleLockWaits, kRuleLockQueue, kRulePoolExhaustionForecast}) {
      out.unknown_rules.insert(std::string(rule));
    }
    return out;
  }
  saturation(snapshot, config, saturation_active, database, out);
  exhaustion_forecast(snapshot, config, database, out);
  clients_at_limit(snapshot, database, out);
  session_age_rules(snapshot, config, database, out);
  lock_queue(snapshot, config, database, out);
  return out;
}

}  // namespace opsagent::alerts
