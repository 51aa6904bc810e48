// The facts both /status views derive from a RenderContext: the banner, the pool level, ages
// and the sentences that explain connection arithmetic. Derived once here so the text and the
// HTML view can only differ in presentation, never in what they claim.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/web/render_context.hpp"

namespace opsagent::web {

// The pool thresholds in force (defaults for a context without config, as in `opsagent check`).
const config::PoolSection& pool_config(const RenderContext& ctx);

// The pool level: the pool report's when there is one, else from the thresholds alone.
probes::PoolLevel level_of(const probes::Snapshot& s, const config::PoolSection& pool);

// What the banner says and how it is coloured.
enum class Banner { starting, draining, fail, warn, pass };
Banner banner_of(const RenderContext& ctx);
std::string_view css_class(Banner b);

// "READY", "READY, with warnings" or "NOT READY".
std::string headline(const RenderContext& ctx);

// Wall-clock "now", for "3m ago": the snapshot's time moved on by its steady-clock age.
// Requires ctx.snapshot.
WallClock::time_point wall_now(const RenderContext& ctx);
// Seconds since the snapshot completed. Requires ctx.snapshot.
double snapshot_age_s(const RenderContext& ctx);
// "3m10s ago": when an error's check passed again.
std::string cleared_ago(WallClock::time_point now, WallClock::time_point cleared);

// "100 max_connections - 3 superuser_reserved = 97 usable".
std::string slots_arithmetic(const probes::ActivitySnapshot& a);
// "10 active, 30 idle, 2 idle in transaction[, …]".
std::string states_phrase(const probes::SessionCounts& c);
// "web:2 (20/20), …": the instances of a pool client at its pool_max.
std::string at_limit_list(const probes::ClientPoolUse& c);
std::string partial_view_sentence(const probes::ActivitySnapshot& a);
// A group's name for people: "(none)" for sessions that gave none.
std::string group_name(const std::string& key);

// The Postgres line of the budget, apart from the PgBouncer line when there is one.
bool postgres_line_fits(const probes::BudgetCheck& b);

// An upstream's breaker for people: "closed", "HALF-OPEN" or "OPEN".
std::string upstream_state_word(probes::BreakerState s);
// "15m: p50 12ms  p95 80ms  p99 250ms (33 answers)", or "15m: no answer yet".
std::string upstream_latency_phrase(const probes::UpstreamStatus& u);
// "5/5 consecutive failures; 40 probes, 7 failed; opened 2 times".
std::string upstream_counts_phrase(const probes::UpstreamStatus& u);
// Since when and why the breaker is in its state, and when an open one probes again:
// "since 2026-12-02T08:50:00Z (3m ago): 5 consecutive failures (...); half-open in 42s".
std::string upstream_state_phrase(const probes::UpstreamStatus& u, const RenderContext& ctx);

// A job's verdict for people, from its "job:<name>" check: "ok", "STALE", "FAILING" or
// "UNREAD" (its table could not be read), "?" before its first read.
std::string job_state_word(const probes::Snapshot& s, const probes::JobReport& j);
// "last success 3h 2m ago; last run failed: <error>; running for 4m".
std::string job_runs_phrase(const probes::JobReport& j, SteadyClock::time_point now);
// "last 5 successful runs 1m 58s 1m 2s ... (avg 1m); 2 failed in the window"; empty while the
// table was never read (nothing is known about the runs).
std::string job_history_phrase(const probes::JobReport& j);

// A check's status for people: "ok", "WARN", "FAIL", "?" when the snapshot has no such check.
std::string check_word(const probes::Snapshot& s, const std::string& check);
// "entries 1234, oldest_age_s 86400 >= warn 3600" with the thresholds' verdicts, or why the
// query failed.
std::string query_values_phrase(const probes::QueryReport& q, const config::Config* config);
// The container section's rows: cpu, memory and (supervise mode) the app's processes. `state` is
// "ok", "HIGH", "CRITICAL", "not limited" or "unknown"; `detail` says the numbers and the
// thresholds in force.
struct ContainerRow {
  std::string what;
  std::string state;
  std::string detail;
};
const config::ContainerSection& container_config(const RenderContext& ctx);
std::vector<ContainerRow> container_rows(const probes::ContainerStatus& c,
                                         const config::ContainerSection& section);
// "cgroup v2 at /sys/fs/cgroup" or "no cgroup read: <why>", with any problem reading.
std::string container_source_phrase(const probes::ContainerStatus& c);

// The lock queues' headline: "18 sessions waiting on locks in 1 queue", or that sessions wait
// and why who blocks whom is unknown. Empty when nothing waits.
std::string locks_headline(const probes::LockTree& t);
// "14 more waiting sessions not shown (locks.max_sessions)" for a cut queue; "" otherwise.
std::string lock_cut_note(const probes::LockQueue& q);
// "2 more queues not shown (locks.max_sessions)" when whole queues were cut; "" otherwise.
std::string lock_queues_cut_note(const probes::LockTree& t);
// "Lock/relation 18, (running) 3, Timeout/PgSleep 1": active sessions by wait event.
std::string wait_events_phrase(const std::vector<probes::WaitEventCount>& events);

// The agent's own connection goes through a pooler: say what that changes.
inline constexpr std::string_view kViaPooler =
    "the agent's database connection goes through a pooler: the counts above are the pooler's "
    "server connections (per-worker attribution shows whoever used each one last) and "
    "postgres:fresh_connect measures the pooler; point database.dsn_env at Postgres directly "
    "for exact counts";

}  // namespace opsagent::web
