#include "agent/web/render_status.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "agent/alerts/alerts_status.hpp"
#include "agent/web/html_escape.hpp"
#include "agent/web/hygiene_view.hpp"
#include "agent/web/latency_view.hpp"
#include "agent/web/number_format.hpp"
#include "agent/web/status_chart.hpp"
#include "agent/web/status_css.hpp"
#include "agent/web/status_facts.hpp"
#include "common/text/time_format.hpp"
#include "common/version.hpp"
#include "config/syntax/threshold.hpp"

namespace opsagent::web {

// The page carries its CSS (agent/web/status.css, compiled in) and its chart (inline SVG) with
// it: it must work offline, behind a strict CSP, and when saved into an incident ticket.

namespace {

using probes::ActivitySnapshot;
using probes::GroupCount;
using probes::PoolLevel;
using probes::PoolReport;
using probes::Snapshot;

std::string html_meter(const ActivitySnapshot& a, const config::PoolSection& pool,
                       PoolLevel level) {
  const double pct = std::clamp(a.utilization() * 100, 0.0, 100.0);
  std::string out = fmt::format(
      R"(<div class="meter" role="img" aria-label="{} of usable slots in use"><div class="fill {}" style="width:{:.1f}%"></div>)",
      percent(a.utilization()), probes::to_string(level), pct);
  for (const auto* t : {&pool.warn, &pool.critical}) {
    if (t->kind != config::Threshold::Kind::percent) continue;
    out += fmt::format(R"(<div class="tick" style="left:{:.1f}%;border-color:{}"></div>)", t->value,
                       t == &pool.warn ? "#9a6700" : "#cf222e");
  }
  return out + "</div>";
}

std::string html_connections(const ActivitySnapshot& a, const config::PoolSection& pool,
                             PoolLevel level) {
  std::string out = R"(<section class="card"><h2>Connections</h2>)";
  out += fmt::format(R"(<div class="big">{} / {} <small>usable slots in use ({})</small></div>)",
                     a.used(), a.usable_slots, percent(a.utilization()));
  out += html_meter(a, pool, level);
  out += fmt::format(
      R"(<div class="muted">warn {} &middot; critical {} &middot; level <b>{}</b></div>)",
      html_escape(config::format_threshold(pool.warn)),
      html_escape(config::format_threshold(pool.critical)), probes::to_string(level));
  out +=
      "<table><tr><th>max_connections</th><th>superuser_reserved</th><th>reserved</th>"
      "<th>usable</th><th>used</th><th>free</th></tr>";
  out += fmt::format(
      R"(<tr><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr></table>)",
      a.max_connections, a.superuser_reserved_connections,
      a.reserved_connections ? std::to_string(*a.reserved_connections) : "-", a.usable_slots,
      a.used(), a.free_slots());

  const auto& c = a.sessions;
  out += R"(<h2 style="margin-top:12px">Sessions by state</h2><table><tr>)";
  const std::array<std::pair<const char*, int>, 7> states{{
      {"active", c.active},
      {"idle", c.idle},
      {"idle in tx", c.idle_in_transaction},
      {"idle in tx (aborted)", c.idle_in_transaction_aborted},
      {"other / hidden", c.other},
      {"waiting on locks", c.waiting_on_locks},
      {"total", c.total},
  }};
  for (const auto& [label, n] : states) out += fmt::format(R"(<th class="n">{}</th>)", label);
  out += "</tr><tr>";
  for (std::size_t i = 0; i < states.size(); ++i) {
    const bool waiting = i == 5 && states[i].second > 0;  // blocked sessions deserve a look
    out += fmt::format(R"(<td class="n{}">{}</td>)", waiting ? " limit" : "", states[i].second);
  }
  out += fmt::format(
      R"(</tr></table><div class="muted" style="margin-top:6px">oldest transaction <b>{}</b> &middot; oldest idle in transaction <b>{}</b> &middot; longest query <b>{}</b></div>)",
      format_age(c.oldest_xact_s), format_age(c.oldest_idle_in_xact_s),
      format_age(c.longest_query_s));
  return out + "</section>";
}

// One line of the budget: green when it fits, red with a warning sign when not, the arithmetic
// below the title.
std::string budget_box(bool fits, std::string_view fits_title, std::string_view nofit_title,
                       const std::string& arithmetic) {
  return fmt::format(R"(<div class="budget {}">{}{}<code>{}</code></div>)", fits ? "fits" : "nofit",
                     fits ? "" : "&#9888; ", fits ? fits_title : nofit_title,
                     html_escape(arithmetic));
}

std::string html_chart(const Snapshot& s, const config::PoolSection& pool) {
  std::string out =
      R"(<section class="card"><h2>Utilization, last hour</h2>)" + utilization_chart_svg(s, pool);
  // A restarted agent has no history: say how far back the line goes, or a short line at the
  // right edge looks like a rendering fault.
  if (!s.utilization.chart.empty()) {
    out += fmt::format(
        R"(<div class="muted" style="font-size:12px">{} points since {} (each the highest of its interval)</div>)",
        s.utilization.chart.size(), common::rfc3339(s.utilization.chart.front().at));
  }
  out +=
      R"(<table style="margin-top:8px"><tr><th>window</th><th class="n">now</th><th class="n">max</th><th class="n">p95</th><th class="n">samples</th></tr>)";
  for (const auto& w : s.utilization.windows) {
    if (w.samples == 0) {
      out += fmt::format(R"(<tr><td>{}</td><td class="muted" colspan="4">no samples yet</td></tr>)",
                         probes::window_label(w.window));
      continue;
    }
    out += fmt::format(
        R"(<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>)",
        probes::window_label(w.window), w.current ? percent(*w.current) : "-", percent(w.max),
        percent(w.p95), w.samples);
  }
  out += "</table>";
  if (s.exhaustion) {
    // Red only within the horizon: a quiet forecast is a fact, not a finding.
    const bool soon = s.exhaustion->within(pool.forecast_horizon);
    out += budget_box(!soon, "Exhaustion forecast", "Exhaustion forecast",
                      probes::describe(*s.exhaustion, pool.forecast_horizon));
  }
  return out + "</section>";
}

std::string html_group_rows(const std::vector<GroupCount>& groups, bool full) {
  std::string out;
  for (const auto& g : groups) {
    const auto& c = g.counts;
    out += fmt::format(R"(<tr><td class="name">{}</td><td class="n"><b>{}</b></td>)",
                       html_escape(group_name(g.key)), c.total);
    if (full) {
      out += fmt::format(
          R"(<td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td>)",
          c.active, c.idle, c.idle_in_transaction, c.idle_in_transaction_aborted,
          c.waiting_on_locks, format_age(c.oldest_xact_s), format_age(c.longest_query_s));
    }
    out += "</tr>";
  }
  return out;
}

std::string html_applications(const ActivitySnapshot& a) {
  std::string out = R"(<section class="card wide"><h2>Applications</h2>)";
  if (a.by_application.empty()) {
    return out + R"(<p class="muted">No client sessions besides the agent's own.</p></section>)";
  }
  out +=
      "<table><tr><th>application_name</th><th class=\"n\">total</th><th class=\"n\">active</th>"
      "<th class=\"n\">idle</th><th class=\"n\">idle in tx</th><th class=\"n\">idle in tx "
      "(aborted)</th><th class=\"n\">waiting on locks</th><th class=\"n\">oldest tx</th>"
      "<th class=\"n\">longest query</th></tr>";
  return out + html_group_rows(a.by_application, true) + "</table></section>";
}

// Who blocks whom: each queue's one-line summary, then its tree, root first, each waiter
// indented under the session it queues behind.
std::string html_locks(const probes::LockTree& t) {
  const std::string headline = locks_headline(t);
  if (headline.empty()) return {};
  std::string out = fmt::format(
      R"(<section class="card"><h2>Lock queues</h2><div class="alert">&#9888; {}</div>)",
      html_escape(headline));
  for (const auto& q : t.queues) {
    out += fmt::format(R"(<p><b>{}</b></p><table>)", html_escape(probes::queue_summary(q)));
    for (const auto& n : q.nodes) {
      out += fmt::format(R"(<tr{}><td class="name" style="padding-left:{}em">{}</td></tr>)",
                         n.depth == 0 ? R"( class="hot")" : "", 0.5 + 1.5 * std::min(n.depth, 8),
                         html_escape(probes::session_line(n.session)));
    }
    out += "</table>";
    if (const auto note = lock_cut_note(q); !note.empty()) {
      out += fmt::format(R"(<p class="muted">{}</p>)", html_escape(note));
    }
  }
  if (const auto note = lock_queues_cut_note(t); !note.empty()) {
    out += fmt::format(R"(<p class="muted">{}</p>)", html_escape(note));
  }
  return out + "</section>";
}

std::string html_breakdowns(const ActivitySnapshot& a) {
  std::string out = R"(<section class="card"><h2>Who else holds connections</h2>)";
  if (!a.wait_events.empty()) {
    std::string rows;
    for (const auto& w : a.wait_events) {
      rows += fmt::format(R"(<tr><td class="name">{}</td><td class="n">{}</td></tr>)",
                          html_escape(probes::wait_event_name(w)), w.sessions);
    }
    out += fmt::format(
        R"(<table style="margin-bottom:8px"><tr><th>active sessions by wait event</th><th class="n">sessions</th></tr>{}</table>)",
        rows);
  }
  const std::array<std::pair<const char*, const std::vector<GroupCount>*>, 3> parts{{
      {"user", &a.by_user},
      {"database", &a.by_database},
      {"client address", &a.by_client_addr},
  }};
  for (const auto& [label, groups] : parts) {
    if (groups->empty()) continue;
    out += fmt::format(
        R"(<table style="margin-bottom:8px"><tr><th>{}</th><th class="n">sessions</th></tr>{}</table>)",
        label, html_group_rows(*groups, false));
  }
  return out + "</section>";
}

std::string html_instances(const probes::ClientPoolUse& c) {
  constexpr std::size_t kShown = 12;  // a 50-worker deploy must not make the row a wall
  std::string out;
  for (std::size_t i = 0; i < std::min(kShown, c.per_instance.size()); ++i) {
    const auto& in = c.per_instance[i];
    out += fmt::format(R"({}<span class="{}">{}&nbsp;{}/{}</span>)", i == 0 ? "" : ", ",
                       in.at_limit ? "limit" : "", html_escape(in.application_name), in.connections,
                       c.pool_max);
  }
  if (c.per_instance.size() > kShown) {
    out += fmt::format(", &hellip; {} more", c.per_instance.size() - kShown);
  }
  return out.empty() ? R"(<span class="muted">none seen</span>)" : out;
}

// `deploy`: the snapshot's pool:deploy check (the deploy-time comparison), nullptr without one.
std::string html_pools(const PoolReport& pool, const probes::CheckResult* deploy) {
  std::string out = R"(<section class="card"><h2>Application pools</h2>)";
  if (pool.clients.empty()) {
    return out +
           R"(<p class="muted">No pools declared. Add <code>[[pool.clients]]</code> to the config to check each worker against its pool_max and the total against Postgres.</p></section>)";
  }
  out +=
      "<table><tr><th>client</th><th>pattern</th><th class=\"n\">conns / budget</th>"
      "<th class=\"n\">instances</th><th>per instance (at pool_max in red)</th></tr>";
  for (const auto& c : pool.clients) {
    out += fmt::format(
        R"(<tr{}><td><b>{}</b></td><td class="name">{}</td><td class="n">{} / {}</td><td class="n">{} of {}</td><td>{}</td></tr>)",
        c.instances_at_limit > 0 ? R"( class="hot")" : "", html_escape(c.name),
        html_escape(c.pattern), c.connections, c.budget, c.per_instance.size(), c.instances,
        c.per_instance.empty() ? std::string("&#9888; none connected") : html_instances(c));
  }
  out += fmt::format(
      R"(<tr><td class="muted" colspan="2">unattributed (no pattern matches)</td><td class="n">{}</td><td></td><td></td></tr></table>)",
      pool.unattributed);
  const auto& b = pool.budget;
  if (!b.pooler_arithmetic.empty()) {
    out += budget_box(b.pooler_fits, "Pools via PgBouncer fit in its max_client_conn",
                      "Pools via PgBouncer CANNOT FIT in its max_client_conn", b.pooler_arithmetic);
  }
  out +=
      budget_box(postgres_line_fits(b), "Declared pool budget fits in Postgres",
                 "Declared pool budget CANNOT FIT: the pools can exhaust Postgres", b.arithmetic);
  if (!b.deploy_arithmetic.empty()) {
    out += budget_box(b.deploy_fits, "Overlapping deployments fit in Postgres",
                      "During a deploy the pools CANNOT FIT: overlapping deployments can exhaust "
                      "Postgres",
                      b.deploy_arithmetic);
  }
  if (deploy != nullptr) {
    out += budget_box(deploy->status == probes::CheckStatus::pass, "This deploy", "This deploy",
                      deploy->message);
  }
  if (!b.superuser_note.empty()) {
    out +=
        fmt::format(R"(<div class="budget nofit">&#9888; {}</div>)", html_escape(b.superuser_note));
  }
  return out + "</section>";
}

std::string html_pgbouncer(const probes::PgBouncerSnapshot& b) {
  std::string out = fmt::format(
      R"(<section class="card"><h2>PgBouncer</h2><p class="muted">{} client(s) waiting (longest {}) &middot; max_client_conn {} &middot; pool_mode {}</p>)",
      b.clients_waiting(), format_seconds(b.longest_wait_s()), b.max_client_conn,
      html_escape(b.pool_mode));
  out +=
      "<table><tr><th>pool (db/user)</th><th class=\"n\">cl_active</th><th "
      "class=\"n\">cl_waiting</th><th class=\"n\">sv_active</th><th class=\"n\">sv_idle</th><th "
      "class=\"n\">size</th><th class=\"n\">maxwait</th><th>mode</th></tr>";
  for (const auto& p : b.pools) {
    out += fmt::format(
        R"(<tr{}><td class="name">{}/{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td>{}</td></tr>)",
        p.cl_waiting > 0 ? R"( class="hot")" : "", html_escape(p.database), html_escape(p.user),
        p.cl_active, p.cl_waiting, p.sv_active, p.sv_idle, p.pool_size + p.reserve_pool,
        format_seconds(p.maxwait_s), html_escape(p.pool_mode));
  }
  return out + "</table></section>";
}

// The shared circuit breakers: what the app's workers are told before calling each API.
std::string html_upstreams(const RenderContext& ctx) {
  std::string out =
      R"(<section class="card wide"><h2>Upstream APIs</h2><table><tr><th>circuit</th><th>upstream</th><th>target</th><th>state</th><th>failures and probes</th><th>latency</th></tr>)";
  for (const auto& u : ctx.snapshot->upstreams) {
    const char* pill = u.state == probes::BreakerState::open        ? "fail"
                       : u.state == probes::BreakerState::half_open ? "warn"
                                                                    : "pass";
    std::string state = html_escape(upstream_state_phrase(u, ctx));
    if (u.last && !u.last->ok) state += "<br>last: " + html_escape(u.last->message);
    out += fmt::format(
        R"(<tr{}><td><span class="pill {}">{}</span></td><td class="name">{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>)",
        u.state == probes::BreakerState::open ? R"( class="hot")" : "", pill,
        html_escape(upstream_state_word(u.state)), html_escape(u.name), html_escape(u.target),
        state, html_escape(upstream_counts_phrase(u)), html_escape(upstream_latency_phrase(u)));
  }
  return out + "</table></section>";
}

// The app's scheduled jobs, as last read from their run tables.
std::string html_jobs(const RenderContext& ctx) {
  std::string out =
      R"(<section class="card wide"><h2>Jobs</h2><table><tr><th>state</th><th>job</th><th>runs</th><th>recent runs</th></tr>)";
  for (const auto& j : ctx.snapshot->jobs) {
    const std::string word = job_state_word(*ctx.snapshot, j);
    const char* pill = word == "ok" ? "pass" : "warn";
    out += fmt::format(
        R"(<tr{}><td><span class="pill {}">{}</span></td><td class="name">{}<br><code>{}</code></td><td>{}</td><td>{}</td></tr>)",
        word == "ok" ? "" : R"( class="hot")", pill, html_escape(word), html_escape(j.name),
        html_escape(j.job_name), html_escape(job_runs_phrase(j, ctx.now)),
        html_escape(job_history_phrase(j)));
  }
  return out + "</table></section>";
}

// The custom queries' latest rows, with their thresholds' verdicts.
std::string html_queries(const RenderContext& ctx) {
  std::string out =
      R"(<section class="card wide"><h2>Queries</h2><table><tr><th>state</th><th>query</th><th>values</th></tr>)";
  for (const auto& q : ctx.snapshot->queries) {
    const std::string word = check_word(*ctx.snapshot, "query:" + q.name);
    const char* pill = word == "ok" ? "pass" : word == "FAIL" ? "fail" : "warn";
    out += fmt::format(
        R"(<tr{}><td><span class="pill {}">{}</span></td><td class="name">{}</td><td>{}</td></tr>)",
        word == "ok" ? "" : R"( class="hot")", pill, html_escape(word), html_escape(q.name),
        html_escape(query_values_phrase(q, ctx.config)));
  }
  return out + "</table></section>";
}

// The container's resources against its quota and limit.
std::string html_container(const RenderContext& ctx) {
  const auto& c = *ctx.snapshot->container;
  std::string out = fmt::format(
      R"(<section class="card wide"><h2>Container</h2><p class="muted" style="margin:0 0 6px">{}</p><table><tr><th>state</th><th>resource</th><th>use</th></tr>)",
      html_escape(container_source_phrase(c)));
  for (const auto& row : container_rows(c, container_config(ctx))) {
    const bool hot = row.state == "HIGH" || row.state == "CRITICAL";
    const char* pill = row.state == "CRITICAL" ? "fail" : hot ? "warn" : "pass";
    out += fmt::format(
        R"(<tr{}><td><span class="pill {}">{}</span></td><td class="name">{}</td><td>{}</td></tr>)",
        hot ? R"( class="hot")" : "", pill, html_escape(row.state), html_escape(row.what),
        html_escape(row.detail));
  }
  return out + "</table></section>";
}

std::string html_checks(const Snapshot& s) {
  std::string out = R"(<section class="card wide"><h2>Checks</h2>)";
  out += fmt::format(R"(<p class="muted" style="margin:0 0 6px">probe cycle <b>{}</b>)",
                     format_latency(s.duration));
  if (const auto* rt = s.find("postgres:responseTime")) {
    out += fmt::format(" &middot; postgres:responseTime <b>{}</b>",
                       html_escape(rt->observed_value ? fmt::format("{:.1f}{}", *rt->observed_value,
                                                                    rt->observed_unit)
                                                      : format_latency(rt->duration)));
  }
  out +=
      "</p><table><tr><th>status</th><th>check</th><th class=\"n\">duration</th>"
      "<th>gates readiness</th><th>error</th><th>message</th></tr>";
  for (const auto& c : s.checks) {
    out += fmt::format(
        R"(<tr><td><span class="pill {}">{}</span></td><td class="name check">{}</td><td class="n">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>)",
        probes::to_string(c.status), probes::to_string(c.status), html_escape(c.name),
        format_latency(c.duration), c.gates_readiness ? "yes" : "no",
        c.error == probes::ErrorClass::none ? "" : html_escape(probes::to_string(c.error)),
        html_escape(c.message));
  }
  return out + "</table></section>";
}

std::string html_errors(const RenderContext& ctx) {
  std::string out = R"(<section class="card wide"><h2>Last errors</h2>)";
  const auto& errors = ctx.snapshot->recent_errors;
  if (errors.empty()) return out + R"(<p class="muted">None recently.</p></section>)";
  out +=
      "<table><tr><th>time (UTC)</th><th class=\"n\">ago</th><th>check</th><th>class</th>"
      "<th>message</th><th>cleared</th></tr>";
  const auto now = wall_now(ctx);
  for (const auto& e : errors) {
    const double ago = std::max(0.0, std::chrono::duration<double>(now - e.at).count());
    out += fmt::format(
        R"(<tr><td class="n">{}</td><td class="n">{}</td><td class="name check">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>)",
        common::rfc3339(e.at), format_seconds(ago), html_escape(e.check),
        html_escape(probes::to_string(e.error)), html_escape(e.message),
        e.cleared_at ? "past: " + html_escape(cleared_ago(now, *e.cleared_at)) : "");
  }
  return out + "</table></section>";
}

std::string html_alerts(const alerts::AlertsStatus& a) {
  std::string out = fmt::format(R"(<section class="card wide"><h2>Alerts &middot; {}</h2>)",
                                html_escape(alerts::to_string(a.role)));
  if (a.role == alerts::Role::off) {
    return out + R"(<p class="muted">No [[alerts.receivers]] configured.</p></section>)";
  }
  out += fmt::format(R"(<p class="muted">This agent is the {}: {}.</p>)",
                     html_escape(alerts::to_string(a.role)), html_escape(a.role_reason));
  if (a.firing.empty()) {
    out += R"(<p>No alert is firing.</p>)";
  } else {
    out += "<table><tr><th>severity</th><th>alert</th><th>since (UTC)</th><th>summary</th></tr>";
    for (const auto& f : a.firing) {
      out += fmt::format(
          R"(<tr><td><span class="pill {}">{}</span></td><td class="name">{}</td><td class="n">{}</td><td>{}</td></tr>)",
          f.severity == alerts::Severity::critical ? "fail" : "warn",
          html_escape(alerts::to_string(f.severity)), html_escape(f.labels.at("alertname")),
          common::rfc3339(f.starts_at), html_escape(f.summary));
    }
    out += "</table>";
  }
  out +=
      R"(<table><tr><th>receiver</th><th>type</th><th class="n">delivered</th><th class="n">retried</th><th class="n">failed</th><th class="n">dropped</th><th class="n">queued</th><th>state</th></tr>)";
  for (const auto& r : a.receivers) {
    out += fmt::format(
        R"(<tr><td class="name">{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td>{}</td></tr>)",
        html_escape(r.name), html_escape(r.type), r.stats.delivered, r.stats.retried,
        r.stats.failed, r.stats.dropped, r.stats.queued,
        r.stats.disabled ? R"(<span class="limit">disabled (410 Gone)</span>)" : "active");
  }
  return out + "</table></section>";
}

std::string html_banner(const RenderContext& ctx) {
  const Banner b = banner_of(ctx);
  std::string out =
      fmt::format(R"(<header class="banner {}"><h1>{}{}</h1>)", css_class(b),
                  html_escape(headline(ctx)), ctx.draining ? " &middot; DRAINING" : "");
  if (!ctx.readiness.ready) {
    out += fmt::format(R"(<div class="reason">{}</div>)", html_escape(ctx.readiness.reason));
  }
  std::string meta = fmt::format("opsagent {}", html_escape(kVersion));
  if (const auto* s = ctx.snapshot) {
    meta += fmt::format(" &middot; snapshot #{} taken {} ({} old)", s->sequence,
                        common::rfc3339(s->taken_at), format_seconds(snapshot_age_s(ctx)));
    if (!s->server_version.empty())
      meta += " &middot; PostgreSQL " + html_escape(s->server_version);
  }
  return out + fmt::format(R"(<div class="meta">{}</div></header>)", meta);
}

std::string html_body(const RenderContext& ctx) {
  if (ctx.snapshot == nullptr) {
    return R"(<section class="card"><p>Starting: no probe cycle has completed yet. This page refreshes every 5 seconds.</p></section>)";
  }
  const Snapshot& s = *ctx.snapshot;
  const auto& pool = pool_config(ctx);
  std::string out;
  if (!s.activity) {
    out +=
        R"(<div class="alert">Connection counts unknown: the last probe cycle could not read pg_stat_activity (is the database down?). Checks and errors below.</div>)";
  } else {
    const auto& a = *s.activity;
    if (a.partial_view) {
      out += fmt::format(
          R"(<div class="alert">&#9888; PARTIAL VIEW: the agent's role cannot see other roles' sessions ({} hidden), so every count below is a lower bound. Fix: <code>GRANT pg_monitor TO &lt;agent role&gt;;</code></div>)",
          a.hidden_sessions);
    }
    const PoolLevel level = level_of(s, pool);
    out += R"(<div class="grid">)" + html_connections(a, pool, level) + html_chart(s, pool) +
           html_applications(a) + (s.locks ? html_locks(*s.locks) : std::string());
    out += (s.pool ? html_pools(*s.pool, s.find("pool:deploy")) : std::string()) +
           html_breakdowns(a) + "</div>";
    if (s.hygiene) {
      out += R"(<div class="grid">)" +
             hygiene_html(*s.hygiene, s.terminations ? &*s.terminations : nullptr, s.taken_at) +
             "</div>";
    }
  }
  if (s.via_pooler.value_or(false)) {
    out += fmt::format(R"(<div class="alert">&#9888; {}.</div>)", html_escape(kViaPooler));
  }
  if (s.pgbouncer) out += R"(<div class="grid">)" + html_pgbouncer(*s.pgbouncer) + "</div>";
  out += R"(<div class="grid">)";
  if (!s.upstreams.empty()) out += html_upstreams(ctx);
  if (!s.jobs.empty()) out += html_jobs(ctx);
  if (!s.queries.empty()) out += html_queries(ctx);
  if (s.container) out += html_container(ctx);
  out += html_latency(s) + html_checks(s) + html_errors(ctx);
  if (ctx.alerts) out += html_alerts(*ctx.alerts);
  // With the database unreachable, the last hour's history is what led up to it.
  if (!s.activity) out += html_chart(s, pool);
  return out + "</div>";
}

}  // namespace

std::string render_status_html(const RenderContext& ctx) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"refresh\" content=\"5\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out +=
      fmt::format("<title>{} &middot; opsagent status</title><style>", html_escape(headline(ctx)));
  out += kStatusCss;
  out += "</style></head><body><main>";
  out += html_banner(ctx);
  out += html_body(ctx);
  out += fmt::format(
      "<footer>opsagent {} &middot; this page refreshes every 5 s &middot; plain text: "
      "<code>curl /status</code> &middot; JSON: <code>/health</code> &middot; Prometheus: "
      "<code>/metrics</code></footer>",
      html_escape(kVersion));
  return out + "</main></body></html>\n";
}

}  // namespace opsagent::web
