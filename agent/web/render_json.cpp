#include "agent/web/render_json.hpp"

#include <fmt/format.h>

#include "agent/web/hygiene_view.hpp"
#include "agent/web/latency_view.hpp"
#include "agent/web/upstream_view.hpp"
#include "common/text/time_format.hpp"
#include "common/text/utf8.hpp"
#include "common/version.hpp"
#include "config/syntax/duration.hpp"

namespace opsagent::web {

namespace {

using nlohmann::json;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

json age_ms(const RenderContext& ctx) {
  if (ctx.snapshot == nullptr) return nullptr;
  return duration_cast<milliseconds>(ctx.now - ctx.snapshot->completed).count();
}

double to_ms(std::chrono::microseconds us) {
  return static_cast<double>(us.count()) / 1000.0;
}

json counts_json(const probes::SessionCounts& c) {
  json j{{"total", c.total},
         {"active", c.active},
         {"idle", c.idle},
         {"idle_in_transaction", c.idle_in_transaction},
         {"idle_in_transaction_aborted", c.idle_in_transaction_aborted},
         {"other", c.other},
         {"waiting_on_locks", c.waiting_on_locks}};
  auto age = [&](const char* key, const std::optional<double>& v) {
    j[key] = v ? json(*v) : json(nullptr);
  };
  age("oldest_xact_s", c.oldest_xact_s);
  age("oldest_idle_in_xact_s", c.oldest_idle_in_xact_s);
  age("longest_query_s", c.longest_query_s);
  return j;
}

json groups_json(const std::vector<probes::GroupCount>& groups) {
  json out = json::array();
  for (const auto& g : groups) {
    json entry = counts_json(g.counts);
    entry["name"] = g.key;
    out.push_back(std::move(entry));
  }
  return out;
}

json wait_events_json(const std::vector<probes::WaitEventCount>& events) {
  json out = json::array();
  for (const auto& w : events) {
    out.push_back({{"wait_event_type", w.type}, {"wait_event", w.event}, {"sessions", w.sessions}});
  }
  return out;
}

json activity_json(const probes::ActivitySnapshot& a) {
  return json{{"max_connections", a.max_connections},
              {"superuser_reserved_connections", a.superuser_reserved_connections},
              {"reserved_connections",
               a.reserved_connections ? json(*a.reserved_connections) : json(nullptr)},
              {"usable_slots", a.usable_slots},
              {"used", a.used()},
              {"free", a.free_slots()},
              {"utilization", a.utilization()},
              {"partial_view", a.partial_view},
              {"hidden_sessions", a.hidden_sessions},
              {"sessions", counts_json(a.sessions)},
              {"by_application", groups_json(a.by_application)},
              {"by_user", groups_json(a.by_user)},
              {"by_database", groups_json(a.by_database)},
              {"by_client_addr", groups_json(a.by_client_addr)},
              {"active_by_wait_event", wait_events_json(a.wait_events)}};
}

json optional_seconds(const std::optional<double>& s) {
  return s ? json(*s) : json(nullptr);
}

// The lock queues as the views show them: each queue's summary and its sessions in tree order.
json locks_json(const probes::LockTree& t) {
  json queues = json::array();
  for (const auto& q : t.queues) {
    json sessions = json::array();
    for (const auto& n : q.nodes) {
      const auto& x = n.session;
      sessions.push_back({{"pid", x.pid},
                          {"depth", n.depth},
                          {"behind", n.behind},
                          {"application_name", common::valid_utf8(x.application_name)},
                          {"backend_type", x.backend_type},
                          {"state", x.state},
                          {"state_age_s", optional_seconds(x.state_age_s)},
                          {"xact_age_s", optional_seconds(x.xact_age_s)},
                          {"wait_mode", x.wait_mode},
                          {"wait_target", x.wait_target},
                          {"wait_s", optional_seconds(x.wait_s)},
                          {"blocked_by", x.blocked_by},
                          {"query", x.query}});
    }
    queues.push_back({{"summary", probes::queue_summary(q)},
                      {"waiting", q.waiting},
                      {"head_pid", q.head().session.pid},
                      {"head_wait_s", q.head_wait_s()},
                      {"root_pid", q.root().session.pid},
                      {"not_shown", q.cut},
                      {"sessions", std::move(sessions)}});
  }
  json out{{"waiting", t.unread.empty() ? t.waiting : t.waiting_seen},
           {"queues", std::move(queues)},
           {"queues_not_shown", t.queues_cut}};
  if (!t.unread.empty()) out["unread"] = t.unread;
  return out;
}

json pool_json(const probes::PoolReport& p) {
  json clients = json::array();
  for (const auto& c : p.clients) {
    json instances = json::array();
    for (const auto& i : c.per_instance) {
      instances.push_back({{"application_name", i.application_name},
                           {"connections", i.connections},
                           {"at_limit", i.at_limit}});
    }
    clients.push_back({{"name", c.name},
                       {"application_name", c.pattern},
                       {"instances", c.instances},
                       {"pool_max", c.pool_max},
                       {"budget", c.budget},
                       {"connections", c.connections},
                       {"instances_at_limit", c.instances_at_limit},
                       {"per_instance", std::move(instances)}});
  }
  return json{{"level", probes::to_string(p.level)},
              {"summary", p.summary},
              {"clients", std::move(clients)},
              {"unattributed", p.unattributed},
              {"budget",
               {{"declared", p.budget.declared},
                {"usable_slots", p.budget.usable_slots},
                {"fits", p.budget.fits},
                {"arithmetic", p.budget.arithmetic},
                {"pooler_fits", p.budget.pooler_fits},
                {"pooler_arithmetic", p.budget.pooler_arithmetic},
                {"superuser_note", p.budget.superuser_note},
                {"overlap", p.budget.overlap},
                {"during_deploy", p.budget.during_deploy},
                {"deploy_fits", p.budget.deploy_fits},
                {"deploy_arithmetic", p.budget.deploy_arithmetic}}}};
}

json utilization_json(const probes::UtilizationSummary& u) {
  json out = json::object();
  for (const auto& w : u.windows) {
    if (w.samples == 0) continue;
    out[probes::window_label(w.window)] = {
        {"current", w.current ? json(*w.current) : json(nullptr)},
        {"max", w.max},
        {"p95", w.p95},
        {"samples", w.samples}};
  }
  return out;
}

// The exhaustion forecast (its verdict is also the pool:forecast check).
json forecast_json(const probes::ExhaustionForecast& f, config::Duration horizon) {
  return {{"trend", probes::to_string(f.trend)},
          {"window", probes::window_label(f.window)},
          {"samples", f.samples},
          {"per_minute", f.per_minute},
          {"in_use", f.used},
          {"usable_slots", f.usable},
          {"exhausted_in_s", f.exhausted_in ? json(f.exhausted_in->count()) : json(nullptr)},
          {"horizon", config::format_duration(horizon)},
          {"within_horizon", f.within(horizon)}};
}

}  // namespace

std::string overall_status(const RenderContext& ctx) {
  if (!ctx.readiness.ready) return "fail";
  return ctx.snapshot != nullptr && ctx.snapshot->has_warnings() ? "warn" : "pass";
}

json render_verdict(const RenderContext& ctx) {
  return {{"status", overall_status(ctx)}, {"ready", ctx.readiness.ready}};
}

json render_readiness(const RenderContext& ctx) {
  json checks = json::object();
  if (ctx.snapshot != nullptr) {
    for (const auto& c : ctx.snapshot->checks) {
      json entry{{"status", probes::to_string(c.status)}};
      if (!c.missing.empty()) entry["missing"] = c.missing;
      if (c.error != probes::ErrorClass::none) entry["error"] = probes::to_string(c.error);
      checks[c.name] = std::move(entry);
    }
  }
  return json{{"status", overall_status(ctx)},
              {"ready", ctx.readiness.ready},
              {"reason", ctx.readiness.reason},
              {"snapshot_age_ms", age_ms(ctx)},
              {"checks", std::move(checks)}};
}

namespace {

json pgbouncer_json(const probes::PgBouncerSnapshot& b) {
  json pools = json::array();
  for (const auto& p : b.pools) {
    pools.push_back({{"database", p.database},
                     {"user", p.user},
                     {"pool_mode", p.pool_mode},
                     {"cl_active", p.cl_active},
                     {"cl_waiting", p.cl_waiting},
                     {"sv_active", p.sv_active},
                     {"sv_idle", p.sv_idle},
                     {"sv_used", p.sv_used},
                     {"maxwait_s", p.maxwait_s},
                     {"pool_size", p.pool_size},
                     {"reserve_pool", p.reserve_pool}});
  }
  std::string cap_arithmetic;
  const int cap = b.server_connection_cap(&cap_arithmetic);
  return {{"clients_waiting", b.clients_waiting()},
          {"longest_wait_s", b.longest_wait_s()},
          {"max_client_conn", b.max_client_conn},
          {"default_pool_size", b.default_pool_size},
          {"max_db_connections", b.max_db_connections},
          {"pool_mode", b.pool_mode},
          {"server_connection_cap", cap},
          {"server_connection_arithmetic", cap_arithmetic},
          {"pools", std::move(pools)}};
}

// Ages as of the request (they keep counting between reads); null when there is none, and the
// failure count null until the table was read once (0 would be a claim nothing backs).
json job_json(const probes::JobReport& j, SteadyClock::time_point now) {
  const auto seconds = [](const std::optional<std::chrono::seconds>& v) -> json {
    return v ? json(v->count()) : json(nullptr);
  };
  json durations = json::array();
  for (const auto d : j.last_durations) durations.push_back(d.count());
  const auto average = j.average_duration();
  return {{"name", j.name},
          {"job_name", j.job_name},
          {"last_success_age_s", seconds(j.success_age_at(now))},
          {"last_status", j.last_status.empty() ? json(nullptr) : json(j.last_status)},
          {"last_error", j.last_error.empty() ? json(nullptr) : json(j.last_error)},
          {"running_for_s", seconds(j.running_for_at(now))},
          {"last_durations_ms", std::move(durations)},
          {"average_duration_ms", average ? json(average->count()) : json(nullptr)},
          {"failures_in_window",
           j.read_at == SteadyClock::time_point{} ? json(nullptr) : json(j.failures_in_window)},
          {"read_error", j.read_error.empty() ? json(nullptr) : json(j.read_error)}};
}

json query_json(const probes::QueryReport& q) {
  json columns = json::object();
  for (const auto& c : q.columns) columns[c.name] = c.value ? json(*c.value) : json(nullptr);
  return {{"name", q.name},
          {"columns", std::move(columns)},
          {"read_error", q.read_error.empty() ? json(nullptr) : json(q.read_error)}};
}

// Absent quota or limit is null and "limited": false, never a share of the host.
json container_json(const probes::ContainerStatus& c) {
  const auto number = [](const auto& v) -> json { return v ? json(*v) : json(nullptr); };
  json out{{"source", probes::to_string(c.source)},
           {"path", c.path.empty() ? json(nullptr) : json(c.path)},
           {"note", c.note.empty() ? json(nullptr) : json(c.note)}};
  if (c.source == probes::ContainerStatus::Source::none) return out;
  out["cpu"] = {{"limited", c.limited_cpu()},
                {"quota_cores", number(c.cpu_quota_cores)},
                {"used_cores", number(c.cpu_cores_used)},
                {"usage_ratio", number(c.cpu_ratio)},
                {"high_for_s", c.cpu_high_for ? json(c.cpu_high_for->count()) : json(nullptr)},
                {"usage_seconds_total", c.cpu_usage_seconds},
                {"periods", c.cpu_periods},
                {"throttled_periods", c.cpu_throttled_periods},
                {"throttled_seconds_total", c.cpu_throttled_seconds}};
  out["memory"] = {
      {"limited", c.limited_memory()},         {"limit_bytes", number(c.memory_limit_bytes)},
      {"working_set_bytes", c.memory_bytes},   {"usage_bytes", c.memory_usage_bytes},
      {"usage_ratio", number(c.memory_ratio)}, {"oom_kills", number(c.oom_kills)}};
  if (c.app) {
    out["app"] = {{"pid", c.app->pid},
                  {"processes", c.app->processes},
                  {"rss_bytes", c.app->rss_bytes},
                  {"cpu_cores", number(c.app->cpu_cores)}};
  }
  return out;
}

}  // namespace

json render_health(const RenderContext& ctx) {
  json body{
      {"status", overall_status(ctx)},  {"version", kVersion},
      {"serviceId", "opsagent"},        {"description", "readiness of the app's Postgres database"},
      {"output", ctx.readiness.reason}, {"ready", ctx.readiness.ready},
      {"draining", ctx.draining},       {"snapshot_age_ms", age_ms(ctx)}};
  json checks = json::object();
  if (const auto* s = ctx.snapshot) {
    body["snapshot"] = {{"sequence", s->sequence},
                        {"time", common::rfc3339(s->taken_at)},
                        {"duration_ms", to_ms(s->duration)}};
    if (!s->server_version.empty()) body["postgres_version"] = s->server_version;
    if (s->activity) body["connections"] = activity_json(*s->activity);
    if (s->pool) body["pool"] = pool_json(*s->pool);
    if (s->locks) body["locks"] = locks_json(*s->locks);
    if (s->hygiene) body["hygiene"] = hygiene_json(*s->hygiene);
    if (s->terminations) body["terminations"] = terminations_json(*s->terminations);
    if (s->via_pooler) body["via_pooler"] = *s->via_pooler;
    if (s->pgbouncer) body["pgbouncer"] = pgbouncer_json(*s->pgbouncer);
    body["utilization"] = utilization_json(s->utilization);
    if (s->exhaustion) {
      const auto horizon = ctx.config != nullptr ? ctx.config->pool.forecast_horizon
                                                 : config::PoolSection{}.forecast_horizon;
      body["forecast"] = forecast_json(*s->exhaustion, horizon);
    }
    if (!s->upstreams.empty()) {
      json upstreams = json::array();
      for (const auto& u : s->upstreams) upstreams.push_back(render_upstream(u, true, ctx.now));
      body["upstreams"] = std::move(upstreams);
    }
    if (!s->jobs.empty()) {
      json jobs = json::array();
      for (const auto& j : s->jobs) jobs.push_back(job_json(j, ctx.now));
      body["jobs"] = std::move(jobs);
    }
    if (!s->queries.empty()) {
      json queries = json::array();
      for (const auto& q : s->queries) queries.push_back(query_json(q));
      body["queries"] = std::move(queries);
    }
    if (s->container) body["container"] = container_json(*s->container);
    const auto latencies = s->latency_tracks();
    for (const auto& c : s->checks) {
      json entry{{"status", probes::to_string(c.status)},
                 {"time", common::rfc3339(s->taken_at)},
                 {"output", c.message},
                 {"affectsReadiness", c.gates_readiness}};
      // A check that measured nothing (an unlimited container, a query that failed, a verdict
      // derived from other numbers) has no observedValue: a 0 would read as a measurement.
      if (c.observed_value) {
        entry["observedValue"] = *c.observed_value;
        entry["observedUnit"] = c.observed_unit;
      } else if (c.duration.count() > 0) {
        entry["observedValue"] = to_ms(c.duration);
        entry["observedUnit"] = "ms";
      }
      if (c.error != probes::ErrorClass::none) entry["errorClass"] = probes::to_string(c.error);
      if (!c.missing.empty()) entry["missing"] = c.missing;
      if (const auto t = std::ranges::find(latencies, c.name, &probes::LatencyTrack::check);
          t != latencies.end()) {
        entry["latency_ms"] = latency_json(t->windows);
      }
      checks[c.name] = json::array({std::move(entry)});
    }
  }
  body["checks"] = std::move(checks);
  return body;
}

std::string render_check_line(const RenderContext& ctx) {
  const std::string status = overall_status(ctx);
  const char* word = status == "pass" ? "OK" : status == "warn" ? "WARNING" : "CRITICAL";
  std::string detail = ctx.readiness.reason;
  if (ctx.snapshot != nullptr) {
    for (const auto& c : ctx.snapshot->checks) {
      // Warnings, and failures of checks that do not gate readiness (a critical pool or query
      // level): the gating failure is the readiness reason already.
      const bool non_gating_failure = c.status == probes::CheckStatus::fail && !c.gates_readiness;
      if (c.status == probes::CheckStatus::warn || non_gating_failure) {
        detail += "; " + c.name + ": " + c.message;
      }
    }
  }
  const double seconds = ctx.snapshot != nullptr ? to_ms(ctx.snapshot->duration) / 1000.0 : 0.0;
  return fmt::format("OPSAGENT {} - {} | duration={:.3f}s", word, detail, seconds);
}

}  // namespace opsagent::web
