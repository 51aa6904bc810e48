#include "agent/web/render_status.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/saturating_time.hpp"
#include "common/version.hpp"
#include "config/syntax/threshold.hpp"

namespace opsagent::web {

namespace {

using probes::ActivitySnapshot;
using probes::CheckResult;
using probes::CheckStatus;
using probes::GroupCount;
using probes::PoolLevel;
using probes::PoolReport;
using probes::SessionCounts;
using probes::Snapshot;

// The text view must stay readable in half a laptop screen and in a narrow incident channel.
constexpr std::size_t kWidth = 100;
constexpr int kBarWidth = 32;

// ---------------------------------------------------------------------------------------------
// Foreign text. Application, user and database names are whatever clients sent; messages may
// quote config values. Neither view may let them act as markup or terminal escape sequences.

// Length of the valid UTF-8 sequence at s[i] (its code point in `cp`), or 0 when malformed.
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  const std::size_t n = b0 >= 0xc2 && b0 <= 0xdf   ? 2
                        : b0 >= 0xe0 && b0 <= 0xef ? 3
                        : b0 >= 0xf0 && b0 <= 0xf4 ? 4
                                                   : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = b0 & (0x7fu >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3fu);
  }
  const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

// Valid UTF-8 without control characters: C0 and C1 controls (ESC, CSI) could recolour or
// rewrite the on-call's terminal, and are not allowed in HTML text either.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t n = decode_utf8(s, i, cp);
    if (n == 0) {
      out += '?';
      ++i;
      continue;
    }
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      out += ' ';
    } else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
      out += '?';
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

// The one HTML escape: every string that did not come from this file goes through it.
std::string h(std::string_view s) {
  std::string out;
  for (char c : printable(s)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Columns on a terminal, counting code points (printable() output is valid UTF-8).
std::size_t columns(std::string_view s) {
  return static_cast<std::size_t>(std::ranges::count_if(
      s, [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

// Exactly `width` columns: padded, or cut with an ellipsis so a long name cannot push the
// table out of line.
std::string fit(std::string_view raw, std::size_t width) {
  std::string s = printable(raw);
  const std::size_t cols = columns(s);
  if (cols <= width) return s + std::string(width - cols, ' ');
  std::size_t kept = 0, i = 0;
  while (i < s.size() && kept < width - 1) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) ++i;
    ++kept;
  }
  return s.substr(0, i) + "…";
}

// Byte offset just past the first `n` code points of `s` (s.size() when it is shorter).
std::size_t byte_offset(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  for (; i < s.size() && n > 0; --n) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) ++i;
  }
  return i;
}

// Wraps at spaces to kWidth columns, keeping the text's own spacing: the first line starts with
// `first`, the others with `indent`. A single word longer than a line is left whole.
std::string wrap(std::string_view first, std::string_view raw, std::string_view indent) {
  const std::string text = printable(raw);
  std::string_view rest = text;
  std::string out(first);
  std::size_t prefix = columns(first);
  for (;;) {
    const std::size_t room = prefix + 10 < kWidth ? kWidth - prefix : 10;
    if (columns(rest) <= room) {
      out += rest;
      break;
    }
    std::size_t cut = rest.rfind(' ', byte_offset(rest, room));
    if (cut == std::string_view::npos || cut == 0) cut = rest.find(' ', byte_offset(rest, room));
    if (cut == std::string_view::npos) {
      out += rest;
      break;
    }
    out += rest.substr(0, rest.find_last_not_of(' ', cut) + 1);
    rest.remove_prefix(cut);
    rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
    if (rest.empty()) break;
    out += '\n';
    out += indent;
    prefix = columns(indent);
  }
  return out + "\n";
}

// ---------------------------------------------------------------------------------------------
// Numbers as people read them.

std::string format_seconds(double s) {
  if (s < 1) return fmt::format("{}ms", std::lround(s * 1000));
  if (s < 60) return fmt::format("{:.1f}s", s);
  const auto whole = static_cast<long>(s);
  if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  if (whole < 86400) return fmt::format("{}h{:02}m", whole / 3600, whole % 3600 / 60);
  return fmt::format("{}d{:02}h", whole / 86400, whole % 86400 / 3600);
}

std::string format_age(std::optional<double> s) {
  return s ? format_seconds(*s) : "-";
}

// "3m10s ago": when an error's check passed again.
std::string cleared_ago(std::chrono::system_clock::time_point now,
                        std::chrono::system_clock::time_point cleared) {
  return format_seconds(std::max(0.0, std::chrono::duration<double>(now - cleared).count())) +
         " ago";
}

std::string format_latency(std::chrono::microseconds us) {
  if (us.count() < 1'000'000) return fmt::format("{:.1f}ms", static_cast<double>(us.count()) / 1e3);
  return fmt::format("{:.2f}s", static_cast<double>(us.count()) / 1e6);
}

std::string percent(double ratio) {
  return fmt::format("{:.1f}%", ratio * 100);
}

std::string group_name(const std::string& key) {
  return key.empty() ? "(none)" : key;
}

// ---------------------------------------------------------------------------------------------
// Facts both views derive from the context.

const config::PoolSection& pool_config(const RenderContext& ctx) {
  static const config::PoolSection kDefaults;
  return ctx.config != nullptr ? ctx.config->pool : kDefaults;
}

PoolLevel level_of(const Snapshot& s, const config::PoolSection& pool) {
  if (s.pool) return s.pool->level;
  if (!s.activity) return PoolLevel::ok;
  const int used = s.activity->used(), usable = s.activity->usable_slots;
  if (pool.critical.reached(used, usable)) return PoolLevel::critical;
  return pool.warn.reached(used, usable) ? PoolLevel::warn : PoolLevel::ok;
}

// What the banner says and how it is coloured.
enum class Banner { starting, draining, fail, warn, pass };

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

// Wall-clock "now", for "3m ago": the snapshot's time moved on by its steady-clock age.
std::chrono::system_clock::time_point wall_now(const RenderContext& ctx) {
  const Snapshot& s = *ctx.snapshot;
  return common::saturating_add(s.taken_at, ctx.now - s.completed);
}

double snapshot_age_s(const RenderContext& ctx) {
  return std::chrono::duration<double>(ctx.now - ctx.snapshot->completed).count();
}

std::string slots_arithmetic(const ActivitySnapshot& a) {
  std::string s = fmt::format("{} max_connections - {} superuser_reserved", a.max_connections,
                              a.superuser_reserved_connections);
  if (a.reserved_connections) s += fmt::format(" - {} reserved", *a.reserved_connections);
  return s + fmt::format(" = {} usable", a.usable_slots);
}

std::string states_phrase(const SessionCounts& c) {
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

std::string partial_view_sentence(const ActivitySnapshot& a) {
  return fmt::format(
      "PARTIAL VIEW: the agent's role cannot see other roles' sessions ({} hidden), so every count "
      "is a lower bound. Fix: GRANT pg_monitor TO <agent role>;",
      a.hidden_sessions);
}

// ---------------------------------------------------------------------------------------------
// Text view.

// Joins parts with " | " and breaks only between parts, so no line ends in a dangling "|".
std::string join_parts(const std::vector<std::string>& parts) {
  std::string out;
  std::size_t col = 0;
  for (const auto& raw : parts) {
    const std::string part = printable(raw);
    if (col > 0 && col + 5 + columns(part) > kWidth) {
      out += "\n    ";
      col = 4;
    } else if (col > 0) {
      out += "  |  ";
      col += 5;
    }
    out += part;
    col += columns(part);
  }
  return out + "\n";
}

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

// The Postgres line of the budget, apart from the PgBouncer line when there is one.
bool postgres_line_fits(const probes::BudgetCheck& b) {
  return b.fits || (!b.pooler_fits && b.declared <= b.usable_slots);
}

void text_pools(std::string& out, const PoolReport& pool) {
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

// The agent's own connection goes through a pooler: say what that changes.
constexpr const char* kViaPooler =
    "the agent's database connection goes through a pooler: the counts above are the pooler's "
    "server connections (per-worker attribution shows whoever used each one last) and "
    "postgres:fresh_connect measures the pooler; point database.dsn_env at Postgres directly "
    "for exact counts";

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
        fmt::format("  {} ({} ago)", iso8601(e.at), format_seconds(std::max(0.0, ago))), e.check,
        std::string(probes::to_string(e.error))};
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

// ---------------------------------------------------------------------------------------------
// HTML view. Inline CSS only: the page must work offline, behind a strict CSP, and when saved
// into an incident ticket.

constexpr const char* kCss = R"css(
:root{--ok:#1a7f37;--warn:#9a6700;--fail:#cf222e;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;background:#eef1f4;color:#1f2328;
 font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans","Liberation Sans",sans-serif}
main{max-width:1240px;margin:0 auto;padding:16px 20px 28px}
.banner{border-radius:8px;color:#fff;padding:14px 20px;margin-bottom:14px}
.banner h1{margin:0;font-size:26px;letter-spacing:.02em}
.banner .reason{font-size:16px;margin-top:2px}
.banner .meta{margin-top:6px;opacity:.9;font-size:13px}
.banner.pass{background:#1a7f37}.banner.warn{background:#9a6700}.banner.fail{background:#cf222e}
.banner.starting{background:#57606a}.banner.draining{background:#6639ba}
.alert{border-radius:8px;padding:10px 16px;margin-bottom:14px;border:2px solid var(--fail);
 background:#ffebe9;color:#82071e;font-weight:600}
.alert code{background:#fff;padding:1px 5px;border-radius:4px;white-space:nowrap}
.grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:14px;margin-bottom:14px}
.wide{grid-column:1/-1}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.card h2{margin:0 0 8px;font-size:12px;text-transform:uppercase;letter-spacing:.07em;color:var(--muted)}
.big{font-size:30px;font-weight:700;font-variant-numeric:tabular-nums}
.big small{font-size:15px;font-weight:400;color:var(--muted)}
.meter{position:relative;height:18px;background:#eaeef2;border-radius:4px;overflow:hidden;margin:6px 0}
.meter .fill{height:100%}
.meter .tick{position:absolute;top:0;bottom:0;border-left:2px dashed}
.fill.ok{background:#2da44e}.fill.warn{background:#d4a72c}.fill.critical{background:#cf222e}
.muted{color:var(--muted)}
table{border-collapse:collapse;width:100%}
th,td{padding:3px 8px;text-align:left;border-bottom:1px solid #eaeef2;vertical-align:top}
th{font-size:12px;font-weight:600;color:var(--muted);background:var(--soft)}
.n{text-align:right;font-variant-numeric:tabular-nums}
td.n{white-space:nowrap}
td.name{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",monospace;overflow-wrap:anywhere}
td.check{white-space:nowrap}
tr.hot td{background:#fff1e5}
.pill{display:inline-block;min-width:44px;text-align:center;padding:0 7px;border-radius:10px;
 font-size:12px;font-weight:700;color:#fff}
.pill.pass{background:var(--ok)}.pill.warn{background:var(--warn)}.pill.fail{background:var(--fail)}
.limit{color:var(--fail);font-weight:700}
.budget{margin-top:10px;padding:8px 12px;border-radius:6px;font-weight:600}
.budget.fits{background:#dafbe1;color:#116329}.budget.nofit{background:#ffebe9;color:#82071e;
 border:2px solid var(--fail)}
.budget code{display:block;font-weight:400;margin-top:2px;white-space:pre-wrap}
svg{display:block;width:100%;height:auto}
svg text{font-size:12px;fill:#57606a;font-family:inherit}
footer{color:var(--muted);font-size:12px;text-align:center}
)css";

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
      h(config::format_threshold(pool.warn)), h(config::format_threshold(pool.critical)),
      probes::to_string(level));
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

// The utilization of the last hour as an inline SVG line: x is time (now at the right edge),
// y is 0..100% of usable slots; dashed lines mark percentage thresholds.
std::string svg_chart(const Snapshot& s, const config::PoolSection& pool) {
  // About the size it is drawn at in a half-width card, so 12px text reads as 12px; the right
  // margin holds the threshold labels, clear of the newest (rightmost) samples.
  constexpr double kW = 520, kH = 240, kLeft = 40, kRight = 84, kTop = 10, kBottom = 26;
  constexpr double kPlotW = kW - kLeft - kRight, kPlotH = kH - kTop - kBottom;
  const auto end = s.taken_at;
  const auto x = [&](std::chrono::system_clock::time_point t) {
    const double f =
        std::chrono::duration<double>(t - (end - std::chrono::hours(1))).count() / 3600;
    return kLeft + std::clamp(f, 0.0, 1.0) * kPlotW;
  };
  const auto y = [&](double ratio) { return kTop + (1 - std::clamp(ratio, 0.0, 1.0)) * kPlotH; };

  std::string out = fmt::format(
      R"(<svg viewBox="0 0 {} {}" role="img" aria-label="connection utilization over the last hour"><title>connection utilization, last hour</title>)",
      kW, kH);
  for (int p = 0; p <= 100; p += 25) {
    out += fmt::format(
        R"(<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="#eaeef2"/><text x="{}" y="{:.1f}" text-anchor="end">{}%</text>)",
        kLeft, kW - kRight, y(p / 100.0), y(p / 100.0), kLeft - 6, y(p / 100.0) + 4, p);
  }
  for (int m = 60; m >= 0; m -= 15) {
    const double px = kLeft + (60 - m) / 60.0 * kPlotW;
    out += fmt::format(
        R"(<line x1="{:.1f}" x2="{:.1f}" y1="{}" y2="{}" stroke="#eaeef2"/><text x="{:.1f}" y="{}" text-anchor="middle">{}</text>)",
        px, px, kTop, kTop + kPlotH, px, kH - 8,
        m == 0 ? std::string("now") : fmt::format("-{}m", m));
  }
  for (const auto* t : {&pool.warn, &pool.critical}) {
    if (t->kind != config::Threshold::Kind::percent) continue;
    const char* colour = t == &pool.warn ? "#9a6700" : "#cf222e";
    const double ty = y(t->value / 100);
    out += fmt::format(
        R"(<line class="threshold" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="1.5" stroke-dasharray="6 4"/><text x="{}" y="{:.1f}" style="fill:{}">{} {}</text>)",
        kLeft, kW - kRight, ty, ty, colour, kW - kRight + 6,
        // critical above its line, warn below: close thresholds keep readable labels.
        t == &pool.warn ? ty + 12 : ty - 2, colour, t == &pool.warn ? "warn" : "critical",
        h(config::format_threshold(*t)));
  }
  out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#d0d7de"/>)",
                     kLeft, kTop, kPlotW, kPlotH);

  const auto& chart = s.utilization.chart;
  if (chart.empty()) {
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">no samples yet</text>)",
                       kLeft + kPlotW / 2, kTop + kPlotH / 2);
    return out + "</svg>";
  }
  std::string points;
  for (const auto& p : chart) {
    points += fmt::format("{}{:.1f},{:.1f}", points.empty() ? "" : " ", x(p.at), y(p.utilization));
  }
  out += fmt::format(
      R"(<polygon points="{:.1f},{:.1f} {} {:.1f},{:.1f}" fill="#0969da" fill-opacity="0.12"/>)",
      x(chart.front().at), y(0), points, x(chart.back().at), y(0));
  out += fmt::format(
      R"(<polyline class="utilization" points="{}" fill="none" stroke="#0969da" stroke-width="2" stroke-linejoin="round"/>)",
      points);
  const auto& last = chart.back();
  out += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="3.5" fill="#0969da"/>)", x(last.at),
                     y(last.utilization));
  return out + "</svg>";
}

std::string html_chart(const Snapshot& s, const config::PoolSection& pool) {
  std::string out = R"(<section class="card"><h2>Utilization, last hour</h2>)" + svg_chart(s, pool);
  // A restarted agent has no history: say how far back the line goes, or a short line at the
  // right edge looks like a rendering fault.
  if (!s.utilization.chart.empty()) {
    out += fmt::format(
        R"(<div class="muted" style="font-size:12px">{} points since {} (each the highest of its interval)</div>)",
        s.utilization.chart.size(), iso8601(s.utilization.chart.front().at));
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
  return out + "</table></section>";
}

std::string html_group_rows(const std::vector<GroupCount>& groups, bool full) {
  std::string out;
  for (const auto& g : groups) {
    const auto& c = g.counts;
    out += fmt::format(R"(<tr><td class="name">{}</td><td class="n"><b>{}</b></td>)",
                       h(group_name(g.key)), c.total);
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

std::string html_breakdowns(const ActivitySnapshot& a) {
  std::string out = R"(<section class="card"><h2>Who else holds connections</h2>)";
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
    out +=
        fmt::format(R"({}<span class="{}">{}&nbsp;{}/{}</span>)", i == 0 ? "" : ", ",
                    in.at_limit ? "limit" : "", h(in.application_name), in.connections, c.pool_max);
  }
  if (c.per_instance.size() > kShown) {
    out += fmt::format(", &hellip; {} more", c.per_instance.size() - kShown);
  }
  return out.empty() ? R"(<span class="muted">none seen</span>)" : out;
}

std::string html_pools(const PoolReport& pool) {
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
        c.instances_at_limit > 0 ? R"( class="hot")" : "", h(c.name), h(c.pattern), c.connections,
        c.budget, c.per_instance.size(), c.instances,
        c.per_instance.empty() ? std::string("&#9888; none connected") : html_instances(c));
  }
  out += fmt::format(
      R"(<tr><td class="muted" colspan="2">unattributed (no pattern matches)</td><td class="n">{}</td><td></td><td></td></tr></table>)",
      pool.unattributed);
  const auto& b = pool.budget;
  if (!b.pooler_arithmetic.empty()) {
    out += fmt::format(R"(<div class="budget {}">{}<code>{}</code></div>)",
                       b.pooler_fits ? "fits" : "nofit",
                       b.pooler_fits ? "Pools via PgBouncer fit in its max_client_conn"
                                     : "&#9888; Pools via PgBouncer CANNOT FIT in its "
                                       "max_client_conn",
                       h(b.pooler_arithmetic));
  }
  const bool fits = postgres_line_fits(b);
  out += fmt::format(R"(<div class="budget {}">{}<code>{}</code></div>)", fits ? "fits" : "nofit",
                     fits ? "Declared pool budget fits in Postgres"
                          : "&#9888; Declared pool budget CANNOT FIT: the pools can exhaust "
                            "Postgres",
                     h(b.arithmetic));
  if (!b.superuser_note.empty()) {
    out += fmt::format(R"(<div class="budget nofit">&#9888; {}</div>)", h(b.superuser_note));
  }
  return out + "</section>";
}

std::string html_pgbouncer(const probes::PgBouncerSnapshot& b) {
  std::string out = fmt::format(
      R"(<section class="card"><h2>PgBouncer</h2><p class="muted">{} client(s) waiting (longest {}) &middot; max_client_conn {} &middot; pool_mode {}</p>)",
      b.clients_waiting(), format_seconds(b.longest_wait_s()), b.max_client_conn, h(b.pool_mode));
  out +=
      "<table><tr><th>pool (db/user)</th><th class=\"n\">cl_active</th><th "
      "class=\"n\">cl_waiting</th><th class=\"n\">sv_active</th><th class=\"n\">sv_idle</th><th "
      "class=\"n\">size</th><th class=\"n\">maxwait</th><th>mode</th></tr>";
  for (const auto& p : b.pools) {
    out += fmt::format(
        R"(<tr{}><td class="name">{}/{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td>{}</td></tr>)",
        p.cl_waiting > 0 ? R"( class="hot")" : "", h(p.database), h(p.user), p.cl_active,
        p.cl_waiting, p.sv_active, p.sv_idle, p.pool_size + p.reserve_pool,
        format_seconds(p.maxwait_s), h(p.pool_mode));
  }
  return out + "</table></section>";
}

std::string html_checks(const Snapshot& s) {
  std::string out = R"(<section class="card wide"><h2>Checks</h2>)";
  out += fmt::format(R"(<p class="muted" style="margin:0 0 6px">probe cycle <b>{}</b>)",
                     format_latency(s.duration));
  if (const auto* rt = s.find("postgres:responseTime")) {
    out += fmt::format(
        " &middot; postgres:responseTime <b>{}</b>",
        h(rt->observed_value ? fmt::format("{:.1f}{}", *rt->observed_value, rt->observed_unit)
                             : format_latency(rt->duration)));
  }
  out +=
      "</p><table><tr><th>status</th><th>check</th><th class=\"n\">duration</th>"
      "<th>gates readiness</th><th>error</th><th>message</th></tr>";
  for (const auto& c : s.checks) {
    out += fmt::format(
        R"(<tr><td><span class="pill {}">{}</span></td><td class="name check">{}</td><td class="n">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>)",
        probes::to_string(c.status), probes::to_string(c.status), h(c.name),
        format_latency(c.duration), c.gates_readiness ? "yes" : "no",
        c.error == probes::ErrorClass::none ? "" : h(probes::to_string(c.error)), h(c.message));
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
        iso8601(e.at), format_seconds(ago), h(e.check), h(probes::to_string(e.error)), h(e.message),
        e.cleared_at ? "past: " + h(cleared_ago(now, *e.cleared_at)) : "");
  }
  return out + "</table></section>";
}

std::string html_alerts(const alerts::AlertsStatus& a) {
  std::string out = fmt::format(R"(<section class="card wide"><h2>Alerts &middot; {}</h2>)",
                                h(alerts::to_string(a.role)));
  if (a.role == alerts::Role::off) {
    return out + R"(<p class="muted">No [[alerts.receivers]] configured.</p></section>)";
  }
  out += fmt::format(R"(<p class="muted">This agent is the {}: {}.</p>)",
                     h(alerts::to_string(a.role)), h(a.role_reason));
  if (a.firing.empty()) {
    out += R"(<p>No alert is firing.</p>)";
  } else {
    out += "<table><tr><th>severity</th><th>alert</th><th>since (UTC)</th><th>summary</th></tr>";
    for (const auto& f : a.firing) {
      out += fmt::format(
          R"(<tr><td><span class="pill {}">{}</span></td><td class="name">{}</td><td class="n">{}</td><td>{}</td></tr>)",
          f.severity == alerts::Severity::critical ? "fail" : "warn",
          h(alerts::to_string(f.severity)), h(f.labels.at("alertname")), iso8601(f.starts_at),
          h(f.summary));
    }
    out += "</table>";
  }
  out +=
      R"(<table><tr><th>receiver</th><th>type</th><th class="n">delivered</th><th class="n">retried</th><th class="n">failed</th><th class="n">dropped</th><th class="n">queued</th><th>state</th></tr>)";
  for (const auto& r : a.receivers) {
    out += fmt::format(
        R"(<tr><td class="name">{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td>{}</td></tr>)",
        h(r.name), h(r.type), r.stats.delivered, r.stats.retried, r.stats.failed, r.stats.dropped,
        r.stats.queued,
        r.stats.disabled ? R"(<span class="limit">disabled (410 Gone)</span>)" : "active");
  }
  return out + "</table></section>";
}

std::string html_banner(const RenderContext& ctx) {
  const Banner b = banner_of(ctx);
  std::string out = fmt::format(R"(<header class="banner {}"><h1>{}{}</h1>)", css_class(b),
                                h(headline(ctx)), ctx.draining ? " &middot; DRAINING" : "");
  if (!ctx.readiness.ready) {
    out += fmt::format(R"(<div class="reason">{}</div>)", h(ctx.readiness.reason));
  }
  std::string meta = fmt::format("opsagent {}", h(kVersion));
  if (const auto* s = ctx.snapshot) {
    meta += fmt::format(" &middot; snapshot #{} taken {} ({} old)", s->sequence,
                        iso8601(s->taken_at), format_seconds(snapshot_age_s(ctx)));
    if (!s->server_version.empty()) meta += " &middot; PostgreSQL " + h(s->server_version);
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
           html_applications(a);
    out += (s.pool ? html_pools(*s.pool) : std::string()) + html_breakdowns(a) + "</div>";
  }
  if (s.via_pooler.value_or(false)) {
    out += fmt::format(R"(<div class="alert">&#9888; {}.</div>)", h(kViaPooler));
  }
  if (s.pgbouncer) out += R"(<div class="grid">)" + html_pgbouncer(*s.pgbouncer) + "</div>";
  out += R"(<div class="grid">)" + html_checks(s) + html_errors(ctx);
  if (ctx.alerts) out += html_alerts(*ctx.alerts);
  // With the database unreachable, the last hour's history is what led up to it.
  if (!s.activity) out += html_chart(s, pool);
  return out + "</div>";
}

// ---------------------------------------------------------------------------------------------
// Accept header.

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// q of one media range's parameters ("q=0.8"); a malformed q counts as 0 (not acceptable).
double quality(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    const std::string_view p = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    if (p.size() < 2 || !iequals(p.substr(0, 2), "q=")) continue;
    double q = 0;
    const auto v = p.substr(2);
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), q);
    return ec == std::errc{} && ptr == v.data() + v.size() ? std::clamp(q, 0.0, 1.0) : 0.0;
  }
  return 1.0;
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
    text_applications(out, a.by_application);
    if (s.pool) text_pools(out, *s.pool);
    if (s.via_pooler.value_or(false)) out += wrap("!! ", kViaPooler, "   ");
    out += "\n";
    text_breakdown(out, "users", a.by_user);
    text_breakdown(out, "databases", a.by_database);
    text_breakdown(out, "clients", a.by_client_addr);
  }
  if (s.pgbouncer) text_pgbouncer(out, *s.pgbouncer);
  out += "\n";
  text_windows(out, s.utilization);
  text_probe(out, s);
  text_checks(out, s.checks);
  text_errors(out, ctx);
  if (ctx.alerts) text_alerts(out, *ctx.alerts);
  return out;
}

std::string render_status_html(const RenderContext& ctx) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"refresh\" content=\"5\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out += fmt::format("<title>{} &middot; opsagent status</title><style>", h(headline(ctx)));
  out += kCss;
  out += "</style></head><body><main>";
  out += html_banner(ctx);
  out += html_body(ctx);
  out += fmt::format(
      "<footer>opsagent {} &middot; this page refreshes every 5 s &middot; plain text: "
      "<code>curl /status</code> &middot; JSON: <code>/health</code> &middot; Prometheus: "
      "<code>/metrics</code></footer>",
      h(kVersion));
  return out + "</main></body></html>\n";
}

bool wants_html(std::string_view accept) {
  double html = -1, plain = -1;
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    const std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    const auto semi = range.find(';');
    const std::string_view type = trim(range.substr(0, semi));
    const double q = semi == std::string_view::npos ? 1.0 : quality(range.substr(semi + 1));
    // Browsers that list application/xhtml+xml want a page just as much.
    if (iequals(type, "text/html") || iequals(type, "application/xhtml+xml")) {
      html = std::max(html, q);
    } else if (iequals(type, "text/plain")) {
      plain = std::max(plain, q);
    }
  }
  return html > 0 && html >= plain;
}

}  // namespace opsagent::web
