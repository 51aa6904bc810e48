#include "agent/web/status_facts.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "agent/web/latency_view.hpp"
#include "agent/web/number_format.hpp"
#include "agent/web/render_json.hpp"
#include "agent/web/upstream_view.hpp"
#include "common/saturating_time.hpp"
#include "common/text/time_format.hpp"
#include "config/syntax/duration.hpp"
#include "config/syntax/threshold.hpp"

namespace opsagent::web {

const config::PoolSection& pool_config(const RenderContext& ctx) {
  static const config::PoolSection kDefaults;
  return ctx.config != nullptr ? ctx.config->pool : kDefaults;
}

probes::PoolLevel level_of(const probes::Snapshot& s, const config::PoolSection& pool) {
  using probes::PoolLevel;
  if (s.pool) return s.pool->level;
  if (!s.activity) return PoolLevel::ok;
  const int used = s.activity->used(), usable = s.activity->usable_slots;
  if (pool.critical.reached(used, usable)) return PoolLevel::critical;
  return pool.warn.reached(used, usable) ? PoolLevel::warn : PoolLevel::ok;
}

Banner banner_of(const RenderContext& ctx) {
  if (ctx.draining) return Banner::draining;
  if (ctx.snapshot == nullptr) return Banner::starting;
  if (!ctx.readiness.ready) return Banner::fail;
  return overall_status(ctx) == "warn" ? Banner::warn : Banner::pass;
}

std::string_view css_class(Banner b) {
  switch (b) {
    case Banner::starting:
      return "starting";
    case Banner::draining:
      return "draining";
    case Banner::fail:
      return "fail";
    case Banner::warn:
      return "warn";
    case Banner::pass:
      return "pass";
  }
  return "fail";
}

std::string headline(const RenderContext& ctx) {
  if (!ctx.readiness.ready) return "NOT READY";
  return overall_status(ctx) == "warn" ? "READY, with warnings" : "READY";
}

WallClock::time_point wall_now(const RenderContext& ctx) {
  const probes::Snapshot& s = *ctx.snapshot;
  return common::saturating_add(s.taken_at, ctx.now - s.completed);
}

double snapshot_age_s(const RenderContext& ctx) {
  return std::chrono::duration<double>(ctx.now - ctx.snapshot->completed).count();
}

std::string cleared_ago(WallClock::time_point now, WallClock::time_point cleared) {
  return format_seconds(std::max(0.0, std::chrono::duration<double>(now - cleared).count())) +
         " ago";
}

std::string slots_arithmetic(const probes::ActivitySnapshot& a) {
  std::string s = fmt::format("{} max_connections - {} superuser_reserved", a.max_connections,
                              a.superuser_reserved_connections);
  if (a.reserved_connections) s += fmt::format(" - {} reserved", *a.reserved_connections);
  return s + fmt::format(" = {} usable", a.usable_slots);
}

std::string states_phrase(const probes::SessionCounts& c) {
  std::string s = fmt::format("{} active, {} idle, {} idle in transaction", c.active, c.idle,
                              c.idle_in_transaction);
  if (c.idle_in_transaction_aborted > 0) {
    s += fmt::format(", {} idle in transaction (aborted)", c.idle_in_transaction_aborted);
  }
  if (c.other > 0) s += fmt::format(", {} other", c.other);
  return s;
}

std::string at_limit_list(const probes::ClientPoolUse& c) {
  std::string s;
  for (const auto& i : c.per_instance) {
    if (!i.at_limit) continue;
    s += fmt::format("{}{} ({}/{})", s.empty() ? "" : ", ", i.application_name, i.connections,
                     c.pool_max);
  }
  return s;
}

std::string partial_view_sentence(const probes::ActivitySnapshot& a) {
  return fmt::format(
      "PARTIAL VIEW: the agent's role cannot see other roles' sessions ({} hidden), so every count "
      "is a lower bound. Fix: GRANT pg_monitor TO <agent role>;",
      a.hidden_sessions);
}

std::string group_name(const std::string& key) {
  return key.empty() ? "(none)" : key;
}

std::string upstream_state_word(probes::BreakerState s) {
  switch (s) {
    case probes::BreakerState::closed:
      return "closed";
    case probes::BreakerState::half_open:
      return "HALF-OPEN";
    case probes::BreakerState::open:
      return "OPEN";
  }
  return "OPEN";
}

std::string upstream_latency_phrase(const probes::UpstreamStatus& u) {
  const auto& w = u.latency.at(probes::kSummaryWindow);
  return probes::window_label(w.window) + ": " + latency_phrase(w.latency);
}

std::string upstream_counts_phrase(const probes::UpstreamStatus& u) {
  std::string s =
      fmt::format("{}/{} consecutive failures; {} probe{}, {} failed", u.consecutive_failures,
                  u.failure_threshold, u.probes, u.probes == 1 ? "" : "s", u.failures);
  if (u.opened > 0) s += fmt::format("; opened {} time{}", u.opened, u.opened == 1 ? "" : "s");
  return s;
}

std::string upstream_state_phrase(const probes::UpstreamStatus& u, const RenderContext& ctx) {
  std::string s;
  if (u.state_since) {
    s = fmt::format("since {}", common::rfc3339(*u.state_since));
    if (ctx.snapshot != nullptr) {
      const double ago =
          std::max(0.0, std::chrono::duration<double>(wall_now(ctx) - *u.state_since).count());
      s += fmt::format(" ({} ago)", format_seconds(ago));
    }
  } else {
    s = u.probes == 0 ? "not probed yet" : "closed since the agent started";
  }
  if (!u.transition_reason.empty()) s += ": " + u.transition_reason;
  if (const auto retry = upstream_retry_after_s(u, ctx.now)) {
    s += fmt::format("; half-open in {}s", *retry);
  }
  return s;
}

std::string job_state_word(const probes::Snapshot& s, const probes::JobReport& j) {
  const std::string check = "job:" + j.name;
  const auto it = std::ranges::find(s.checks, check, &probes::CheckResult::name);
  if (it == s.checks.end()) return "?";
  if (it->status == probes::CheckStatus::pass) return "ok";
  switch (it->error) {
    case probes::ErrorClass::job_stale:
      return "STALE";
    case probes::ErrorClass::job_failing:
      return "FAILING";
    default:
      return "UNREAD";
  }
}

std::string job_runs_phrase(const probes::JobReport& j, SteadyClock::time_point now) {
  const auto seconds = [](std::chrono::seconds v) {
    return format_seconds(static_cast<double>(v.count()));
  };
  if (j.read_at == SteadyClock::time_point{} && !j.read_error.empty()) {
    return "table not read yet: " + j.read_error;  // nothing is known about the runs
  }
  std::string out;
  if (const auto age = j.success_age_at(now)) {
    out = "last success " + seconds(*age) + " ago";
  } else {
    out = "no successful run recorded";
  }
  if (!j.last_status.empty()) out += "; last finished run " + j.last_status;
  if (!j.last_error.empty()) out += "; last failure: " + j.last_error;
  if (const auto running = j.running_for_at(now)) out += "; running for " + seconds(*running);
  if (!j.read_error.empty()) out += "; table not read: " + j.read_error;
  return out;
}

std::string job_history_phrase(const probes::JobReport& j) {
  const auto took = [](std::chrono::milliseconds ms) {
    return format_seconds(static_cast<double>(ms.count()) / 1000.0);
  };
  if (j.read_at == SteadyClock::time_point{}) return {};
  std::string out;
  if (j.last_durations.empty()) {
    out = "no finished successful run";
  } else {
    out = fmt::format("last {} successful run{}", j.last_durations.size(),
                      j.last_durations.size() == 1 ? "" : "s");
    for (const auto d : j.last_durations) out += " " + took(d);
    if (const auto avg = j.average_duration()) out += " (avg " + took(*avg) + ")";
  }
  return out + fmt::format("; {} failed in the window", j.failures_in_window);
}

std::string check_word(const probes::Snapshot& s, const std::string& check) {
  const auto it = std::ranges::find(s.checks, check, &probes::CheckResult::name);
  if (it == s.checks.end()) return "?";
  switch (it->status) {
    case probes::CheckStatus::pass:
      return "ok";
    case probes::CheckStatus::warn:
      return "WARN";
    case probes::CheckStatus::fail:
      return "FAIL";
  }
  return "?";
}

std::string query_values_phrase(const probes::QueryReport& q, const config::Config* config) {
  const config::CustomQuery* query = nullptr;
  if (config != nullptr) {
    const auto it = std::ranges::find(config->queries, q.name, &config::CustomQuery::name);
    if (it != config->queries.end()) query = &*it;
  }
  std::vector<probes::ThresholdVerdict> verdicts;
  if (query != nullptr) verdicts = probes::judge_thresholds(q, *query);
  std::string out;
  for (const auto& c : q.columns) {
    if (!out.empty()) out += ", ";
    const auto v = std::ranges::find_if(verdicts, [&](const probes::ThresholdVerdict& t) {
      return t.threshold->column == c.name && !t.missing;
    });
    if (v != verdicts.end()) {
      out += probes::describe(*v);
    } else {
      out += c.name + " " + (c.value ? probes::format_query_value(*c.value) : "NULL");
    }
  }
  if (out.empty()) out = "no row read yet";
  if (!q.read_error.empty()) out += "; last run failed: " + q.read_error;
  return out;
}

const config::ContainerSection& container_config(const RenderContext& ctx) {
  static const config::ContainerSection kDefaults;
  return ctx.config != nullptr ? ctx.config->container : kDefaults;
}

namespace {

std::string level_word(probes::ResourceLevel l) {
  switch (l) {
    case probes::ResourceLevel::ok:
      return "ok";
    case probes::ResourceLevel::warn:
      return "HIGH";
    case probes::ResourceLevel::critical:
      return "CRITICAL";
  }
  return "ok";
}

std::string check_message(const probes::ContainerStatus& c, std::string_view name) {
  const auto it = std::ranges::find(c.checks, name, &probes::CheckResult::name);
  return it == c.checks.end() ? std::string() : it->message;
}

// The check's message without its leading "not limited" where the state column already says
// so: "not limited (0.50 cores used); throttled …" -> "0.50 cores used; throttled …".
std::string without_not_limited(std::string message) {
  constexpr std::string_view kWord = "not limited";
  if (!message.starts_with(kWord)) return message;
  message.erase(0, kWord.size());
  if (message.starts_with(" (")) {
    if (const auto close = message.find(')'); close != std::string::npos) {
      return message.substr(2, close - 2) + message.substr(close + 1);
    }
  }
  if (message.starts_with("; ")) message.erase(0, 2);
  return message;
}

}  // namespace

std::vector<ContainerRow> container_rows(const probes::ContainerStatus& c,
                                         const config::ContainerSection& section) {
  using probes::ContainerStatus;
  std::vector<ContainerRow> rows;
  if (c.source == ContainerStatus::Source::off) return rows;
  const bool known = c.source != ContainerStatus::Source::none;
  const auto state = [&](bool limited, probes::ResourceLevel level) -> std::string {
    if (!known) return "unknown";
    return limited ? level_word(level) : "not limited";
  };
  const std::string cpu_thresholds = fmt::format(
      "warn {} and critical {} of the quota, sustained {}",
      config::format_threshold(section.cpu_warn), config::format_threshold(section.cpu_critical),
      config::format_duration(section.cpu_sustained));
  const std::string memory_thresholds = fmt::format(
      "warn {} and critical {} of the limit", config::format_threshold(section.memory_warn),
      config::format_threshold(section.memory_critical));
  // Thresholds are shares of a quota or limit: shown only where there is one.
  const auto detail = [&](std::string_view check, bool limited, const std::string& thresholds) {
    if (!known) return check_message(c, check);
    return limited ? check_message(c, check) + " (" + thresholds + ")"
                   : without_not_limited(check_message(c, check));
  };
  rows.push_back({"cpu", state(c.limited_cpu(), probes::cpu_level(c, section)),
                  detail("container:cpu", c.limited_cpu(), cpu_thresholds)});
  rows.push_back({"memory", state(c.limited_memory(), probes::memory_level(c, section)),
                  detail("container:memory", c.limited_memory(), memory_thresholds)});
  if (c.app) {
    std::string detail =
        fmt::format("pid {}: {} process{}, {} resident", c.app->pid, c.app->processes,
                    c.app->processes == 1 ? "" : "es", probes::format_bytes(c.app->rss_bytes));
    if (c.app->cpu_cores) detail += fmt::format(", {:.2f} cores", *c.app->cpu_cores);
    rows.push_back({"app", "running", std::move(detail)});
  }
  return rows;
}

std::string container_source_phrase(const probes::ContainerStatus& c) {
  using probes::ContainerStatus;
  if (c.source == ContainerStatus::Source::none) return "no cgroup read: " + c.note;
  std::string out = std::string(probes::to_string(c.source)) + " at " + c.path;
  if (!c.note.empty()) out += "; " + c.note;
  return out;
}

bool postgres_line_fits(const probes::BudgetCheck& b) {
  return b.fits || (!b.pooler_fits && b.declared <= b.usable_slots);
}

std::string locks_headline(const probes::LockTree& t) {
  if (!t.unread.empty()) {
    return fmt::format("{} session{} waiting on locks; who blocks whom is unknown: {}",
                       t.waiting_seen, t.waiting_seen == 1 ? "" : "s", t.unread);
  }
  if (t.waiting == 0) return {};
  const std::size_t queues = t.queues.size() + static_cast<std::size_t>(t.queues_cut);
  return fmt::format("{} session{} waiting on locks in {} queue{}", t.waiting,
                     t.waiting == 1 ? "" : "s", queues, queues == 1 ? "" : "s");
}

std::string lock_cut_note(const probes::LockQueue& q) {
  if (q.cut == 0) return {};
  return fmt::format("{} more waiting session{} not shown (locks.max_sessions)", q.cut,
                     q.cut == 1 ? "" : "s");
}

std::string lock_queues_cut_note(const probes::LockTree& t) {
  if (t.queues_cut == 0) return {};
  return fmt::format("{} more queue{} not shown (locks.max_sessions)", t.queues_cut,
                     t.queues_cut == 1 ? "" : "s");
}

std::string wait_events_phrase(const std::vector<probes::WaitEventCount>& events) {
  std::string out;
  for (const auto& w : events) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", probes::wait_event_name(w), w.sessions);
  }
  return out;
}

}  // namespace opsagent::web
