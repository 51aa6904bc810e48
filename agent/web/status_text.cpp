#include "agent/web/render_status.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "agent/alerts/alerts_status.hpp"
#include "agent/web/hygiene_view.hpp"
#include "agent/web/latency_view.hpp"
#include "agent/web/number_format.hpp"
#include "agent/web/status_facts.hpp"
#include "agent/web/text_layout.hpp"
#include "common/text/time_format.hpp"
#include "common/text/utf8.hpp"
#include "common/version.hpp"
#include "config/syntax/threshold.hpp"

namespace opsagent::web {

namespace {

using common::printable;
using probes::ActivitySnapshot;
using probes::CheckResult;
using probes::CheckStatus;
using probes::GroupCount;
using probes::PoolLevel;
using probes::PoolReport;
using probes::SessionCounts;
using probes::Snapshot;

constexpr int kBarWidth = 32;

void text_header(std::string& out, const RenderContext& ctx) {
  std::string verdict = headline(ctx);
  if (ctx.draining) verdict += " (DRAINING)";
  if (!ctx.readiness.ready && ctx.snapshot != nullptr) verdict += ": " + ctx.readiness.reason;
  std::vector<std::string> parts{verdict, fmt::format("opsagent {}", kVersion)};
  if (ctx.snapshot != nullptr) {
    parts.push_back(fmt::format("snapshot #{}, {} old", ctx.snapshot->sequence,
                                format_seconds(snapshot_age_s(ctx))));
    if (!ctx.snapshot->server_version.empty()) {
      parts.push_back("PostgreSQL " + ctx.snapshot->server_version);
    }
  }
  out += join_parts(parts);
}

void text_connections(std::string& out, const ActivitySnapshot& a, const config::PoolSection& pool,
                      PoolLevel level) {
  const double u = a.utilization();
  const int filled = std::clamp(static_cast<int>(std::lround(u * kBarWidth)), 0, kBarWidth);
  out += fmt::format("connections [{}{}] {}/{} usable ({})  warn {}  critical {}\n",
                     std::string(static_cast<std::size_t>(filled), '#'),
                     std::string(static_cast<std::size_t>(kBarWidth - filled), '.'), a.used(),
                     a.usable_slots, percent(u), config::format_threshold(pool.warn),
                     config::format_threshold(pool.critical));
  std::string detail = fmt::format("{}; {} free", slots_arithmetic(a), a.free_slots());
  if (level != PoolLevel::ok) {
    detail += fmt::format("  !! {}", level == PoolLevel::critical ? "CRITICAL" : "WARN");
  }
  out += wrap("            ", detail, "            ");
  if (a.partial_view) out += wrap("!! ", partial_view_sentence(a), "!! ");
}

void text_sessions(std::string& out, const SessionCounts& c) {
  out +=
      wrap("sessions    ", fmt::format("{} total: {}", c.total, states_phrase(c)), "            ");
  out += fmt::format("            {} waiting on locks\n", c.waiting_on_locks);
  out += wrap("oldest      ",
              fmt::format("transaction {}  |  idle in transaction {}  |  running query {}",
                          format_age(c.oldest_xact_s), format_age(c.oldest_idle_in_xact_s),
                          format_age(c.longest_query_s)),
              "            ");
}

// Who blocks whom: each queue's one-line summary, then its tree (root first, each waiter
// indented under the session it queues behind).
void text_locks(std::string& out, const probes::LockTree& t) {
  const std::string headline = locks_headline(t);
  if (headline.empty()) return;
  out += wrap("locks       !! ", headline, "            ");
  for (const auto& q : t.queues) {
    out += wrap("  !! ", queue_summary(q), "     ");
    for (const auto& n : q.nodes) {
      out += line_of(fit(std::string(4 + 2 * static_cast<std::size_t>(std::min(n.depth, 8)), ' ') +
                             probes::session_line(n.session),
                         kTextWidth));
    }
    if (const auto note = lock_cut_note(q); !note.empty()) out += "     " + note + "\n";
  }
  if (const auto note = lock_queues_cut_note(t); !note.empty()) out += "  " + note + "\n";
}

void text_applications(std::string& out, const std::vector<GroupCount>& apps) {
  out += "\n";
  if (apps.empty()) {
    out += "applications: no client sessions besides the agent's own\n";
    return;
  }
  out += fmt::format("{}{:>7}{:>8}{:>6}{:>12}{:>15}{:>9}{:>11}\n", fit("application", 30), "total",
                     "active", "idle", "idle in tx", "in tx aborted", "waiting", "oldest tx");
  for (const auto& g : apps) {
    const auto& c = g.counts;
    out +=
        fmt::format("{}{:>7}{:>8}{:>6}{:>12}{:>15}{:>9}{:>11}\n", fit(group_name(g.key), 30),
                    c.total, c.active, c.idle, c.idle_in_transaction, c.idle_in_transaction_aborted,
                    c.waiting_on_locks, format_age(c.oldest_xact_s));
  }
}

// `deploy`: the snapshot's pool:deploy check (the deploy-time comparison), nullptr without one.
void text_pools(std::string& out, const PoolReport& pool, const CheckResult* deploy) {
  if (pool.clients.empty()) return;
  out += fmt::format("\n{}{}{:>16}{:>12}  {}\n", fit("pool client", 16), fit("pattern", 20),
                     "conns / budget", "instances", "at pool_max");
  for (const auto& c : pool.clients) {
    out += fmt::format("{}{}{:>7} / {:<6}{:>12}  {}\n", fit(c.name, 16), fit(c.pattern, 20),
                       c.connections, c.budget,
                       fmt::format("{} of {}", c.per_instance.size(), c.instances),
                       c.instances_at_limit);
    if (c.per_instance.empty() && c.instances > 0) {
      out += fmt::format("  !! NONE CONNECTED: none of its {} instance{} holds a connection\n",
                         c.instances, c.instances == 1 ? "" : "s");
    }
    if (c.instances_at_limit > 0) {
      out += wrap("  !! AT POOL_MAX: ", at_limit_list(c), "                  ");
    }
  }
  out += fmt::format("{}{:>7}\n", fit("(unattributed)", 36), pool.unattributed);
  const auto& b = pool.budget;
  if (!b.pooler_arithmetic.empty()) {
    out += wrap(b.pooler_fits ? "pgbouncer   fits: " : "pgbouncer   !! CANNOT FIT: ",
                b.pooler_arithmetic, "            ");
  }
  out += wrap(postgres_line_fits(b) ? "budget      fits: " : "budget      !! CANNOT FIT: ",
              b.arithmetic, "            ");
  if (!b.deploy_arithmetic.empty()) {
    out += wrap(b.deploy_fits ? "deploy      fits: " : "deploy      !! CANNOT FIT: ",
                b.deploy_arithmetic, "            ");
  }
  if (deploy != nullptr) {
    out += wrap(deploy->status == CheckStatus::pass ? "this deploy " : "this deploy !! ",
                deploy->message, "            ");
  }
  if (!b.superuser_note.empty()) out += wrap("!! ", b.superuser_note, "   ");
}

// The pooler's queue: what no Postgres view shows.
void text_pgbouncer(std::string& out, const probes::PgBouncerSnapshot& b) {
  out += fmt::format(
      "\npgbouncer   {} client(s) waiting (longest {}), max_client_conn {}, "
      "pool_mode {}\n",
      b.clients_waiting(), format_seconds(b.longest_wait_s()), b.max_client_conn, b.pool_mode);
  out += fmt::format("{}{:>10}{:>11}{:>10}{:>8}{:>8}{:>6}{:>9}  {}\n", fit("pool (db/user)", 24),
                     "cl_active", "cl_waiting", "sv_active", "sv_idle", "sv_used", "size",
                     "maxwait", "mode");
  for (const auto& p : b.pools) {
    out += fmt::format(
        "{}{:>10}{:>11}{:>10}{:>8}{:>8}{:>6}{:>9}  {}{}\n", fit(p.database + "/" + p.user, 24),
        p.cl_active, p.cl_waiting, p.sv_active, p.sv_idle, p.sv_used, p.pool_size + p.reserve_pool,
        format_seconds(p.maxwait_s), printable(p.pool_mode), p.cl_waiting > 0 ? "  !! QUEUE" : "");
  }
}

// The shared circuit breakers: what the app's workers are told before calling each API.
void text_upstreams(std::string& out, const RenderContext& ctx) {
  out += "\nupstreams\n";
  for (const auto& u : ctx.snapshot->upstreams) {
    const std::string indent(12, ' ');
    // A URL is one word: cut to the line rather than wrapped past it.
    out += line_of(fmt::format("  {:<9} {} {}", upstream_state_word(u.state), fit(u.name, 20),
                               fit(u.target, kTextWidth - 33)));
    out += wrap(indent, upstream_state_phrase(u, ctx), indent);
    out += wrap(indent, upstream_counts_phrase(u) + "; " + upstream_latency_phrase(u), indent);
    if (u.last && !u.last->ok) out += wrap(indent, "last: " + u.last->message, indent);
  }
}

// The app's scheduled jobs, as last read from their run tables.
void text_jobs(std::string& out, const RenderContext& ctx) {
  out += "\njobs\n";
  const std::string indent(12, ' ');
  for (const auto& j : ctx.snapshot->jobs) {
    out += line_of(fmt::format("  {:<9} {}", job_state_word(*ctx.snapshot, j),
                               fit(j.name + " (" + j.job_name + ")", kTextWidth - 12)));
    out += wrap(indent, job_runs_phrase(j, ctx.now), indent);
    if (const auto history = job_history_phrase(j); !history.empty()) {
      out += wrap(indent, history, indent);
    }
  }
}

// The custom queries' latest rows, with their thresholds' verdicts.
void text_queries(std::string& out, const RenderContext& ctx) {
  out += "\nqueries\n";
  const std::string indent(12, ' ');
  for (const auto& q : ctx.snapshot->queries) {
    out += line_of(fmt::format("  {:<9} {}", check_word(*ctx.snapshot, "query:" + q.name),
                               fit(q.name, kTextWidth - 12)));
    out += wrap(indent, query_values_phrase(q, ctx.config), indent);
  }
}

// The container's resources against its quota and limit.
void text_container(std::string& out, const RenderContext& ctx) {
  const auto& c = *ctx.snapshot->container;
  out += "\ncontainer (" + container_source_phrase(c) + ")\n";
  const std::string indent(23, ' ');
  for (const auto& row : container_rows(c, container_config(ctx))) {
    out += wrap(fmt::format("  {:<7} {:<12} ", row.what, row.state), row.detail, indent);
  }
}

void text_windows(std::string& out, const probes::UtilizationSummary& u) {
  for (std::size_t i = 0; i < u.windows.size(); ++i) {
    const auto& w = u.windows[i];
    const std::string label =
        fmt::format("{:<12}{:<4}", i == 0 ? "utilization" : "", probes::window_label(w.window));
    if (w.samples == 0) {
      out += label + "no samples yet\n";
      continue;
    }
    out += fmt::format("{}now {:>6}  max {:>6}  p95 {:>6}  ({} sample{})\n", label,
                       w.current ? percent(*w.current) : "-", percent(w.max), percent(w.p95),
                       w.samples, w.samples == 1 ? "" : "s");
  }
}

void text_breakdown(std::string& out, std::string_view label, const std::vector<GroupCount>& g) {
  if (g.empty()) return;
  std::string s;
  for (const auto& e : g) {
    s += fmt::format("{}{} {}", s.empty() ? "" : ", ", group_name(e.key), e.counts.total);
  }
  out += wrap(fmt::format("{:<12}", label), s, "            ");
}

void text_probe(std::string& out, const Snapshot& s) {
  std::string line = "cycle " + format_latency(s.duration);
  if (const auto* rt = s.find("postgres:responseTime")) {
    line += "  |  postgres:responseTime " +
            (rt->observed_value ? fmt::format("{:.1f}{}", *rt->observed_value, rt->observed_unit)
                                : format_latency(rt->duration));
  }
  out += wrap("probe       ", line, "            ");
}

std::string_view status_word(CheckStatus s) {
  switch (s) {
    case CheckStatus::pass:
      return "ok";
    case CheckStatus::warn:
      return "WARN";
    case CheckStatus::fail:
      return "FAIL";
  }
  return "FAIL";
}

void text_checks(std::string& out, const std::vector<CheckResult>& checks) {
  out += "\nchecks\n";
  for (const auto& c : checks) {
    std::string name = c.name;
    // A failing check that does not gate readiness explains why the agent is still READY.
    if (!c.gates_readiness && c.status != CheckStatus::pass) name += " (info)";
    std::string message = c.message;
    if (c.error != probes::ErrorClass::none) {
      message = fmt::format("[{}] {}", probes::to_string(c.error), message);
    }
    out += wrap(fmt::format("  {:<5} {} {:>8}  ", status_word(c.status), fit(name, 30),
                            format_latency(c.duration)),
                message, std::string(49, ' '));
  }
}

void text_errors(std::string& out, const RenderContext& ctx) {
  const auto& errors = ctx.snapshot->recent_errors;
  if (errors.empty()) {
    out += "\nlast errors: none\n";
    return;
  }
  out += "\nlast errors (newest first)\n";
  const auto now = wall_now(ctx);
  for (const auto& e : errors) {
    const double ago = std::chrono::duration<double>(now - e.at).count();
    std::vector<std::string> parts{
        fmt::format("  {} ({} ago)", common::rfc3339(e.at), format_seconds(std::max(0.0, ago))),
        e.check, std::string(probes::to_string(e.error))};
    if (e.cleared_at) parts.push_back("past: cleared " + cleared_ago(now, *e.cleared_at));
    out += join_parts(parts);
    out += wrap("      ", e.message, "      ");
  }
}

// "leader (holds the leadership lock ...)", and what each receiver has done.
void text_alerts(std::string& out, const alerts::AlertsStatus& a) {
  out += "\nalerts: " + std::string(alerts::to_string(a.role));
  if (a.role == alerts::Role::off) {
    out += " (no [[alerts.receivers]] configured)\n";
    return;
  }
  out += " (" + a.role_reason + ")\n";
  if (a.firing.empty()) out += "  firing: none\n";
  for (const auto& f : a.firing) {
    out += wrap(fmt::format("  FIRING {:<8} {} ", alerts::to_string(f.severity),
                            printable(f.labels.at("alertname"))),
                f.summary, "      ");
  }
  if (a.suppressed > 0) {
    out += fmt::format("  {} notification(s) held back by alerts.max_per_hour\n", a.suppressed);
  }
  for (const auto& r : a.receivers) {
    out += fmt::format(
        "  receiver {} ({}): {} delivered, {} retried, {} failed, {} dropped, {} "
        "queued{}\n",
        printable(r.name), r.type, r.stats.delivered, r.stats.retried, r.stats.failed,
        r.stats.dropped, r.stats.queued, r.stats.disabled ? ", DISABLED (answered 410 Gone)" : "");
  }
}

}  // namespace

std::string render_status_text(const RenderContext& ctx) {
  std::string out;
  text_header(out, ctx);
  if (ctx.snapshot == nullptr) return out + "starting: no probe cycle has completed yet\n";
  const Snapshot& s = *ctx.snapshot;
  const auto& pool = pool_config(ctx);
  out += "\n";
  if (!s.activity) {
    out += wrap("connections ",
                "unknown: the last probe cycle could not read pg_stat_activity (is the database "
                "down?); see the checks and errors below",
                "            ");
  } else {
    const auto& a = *s.activity;
    text_connections(out, a, pool, level_of(s, pool));
    text_sessions(out, a.sessions);
    if (!a.wait_events.empty()) {
      out += wrap("waits       ", "active by wait event: " + wait_events_phrase(a.wait_events),
                  "            ");
    }
    if (s.locks) text_locks(out, *s.locks);
    text_applications(out, a.by_application);
    if (s.pool) text_pools(out, *s.pool, s.find("pool:deploy"));
    if (s.hygiene) {
      out += hygiene_text(*s.hygiene, s.terminations ? &*s.terminations : nullptr, s.taken_at);
    }
    if (s.via_pooler.value_or(false)) out += wrap("!! ", kViaPooler, "   ");
    out += "\n";
    text_breakdown(out, "users", a.by_user);
    text_breakdown(out, "databases", a.by_database);
    text_breakdown(out, "clients", a.by_client_addr);
  }
  if (s.pgbouncer) text_pgbouncer(out, *s.pgbouncer);
  if (!s.upstreams.empty()) text_upstreams(out, ctx);
  if (!s.jobs.empty()) text_jobs(out, ctx);
  if (!s.queries.empty()) text_queries(out, ctx);
  if (s.container) text_container(out, ctx);
  out += "\n";
  text_windows(out, s.utilization);
  out += text_latency(s);
  if (s.exhaustion) {
    const bool soon = s.exhaustion->within(pool.forecast_horizon);
    out += wrap(soon ? "forecast    !! " : "forecast    ",
                probes::describe(*s.exhaustion, pool.forecast_horizon), "            ");
  }
  text_probe(out, s);
  text_checks(out, s.checks);
  text_errors(out, ctx);
  if (ctx.alerts) text_alerts(out, *ctx.alerts);
  return out;
}

}  // namespace opsagent::web
