#include "agent/web/hygiene_view.hpp"

#include <fmt/format.h>

#include "agent/web/html_escape.hpp"
#include "agent/web/number_format.hpp"
#include "agent/web/text_layout.hpp"
#include "common/text/time_format.hpp"
#include "common/text/utf8.hpp"
#include "config/syntax/choices.hpp"
#include "config/syntax/duration.hpp"

namespace opsagent::web {

namespace {

std::string age(const std::optional<double>& s) {
  return s ? format_seconds(*s) : std::string("-");
}

void add_termination_lines(std::vector<HygieneLine>& out, const probes::TerminationRecord& t,
                           std::chrono::system_clock::time_point now) {
  const bool dry = t.mode == probes::TerminateMode::dry_run;
  const auto recent = t.within_quiet_period(now);
  std::uint64_t total = 0;
  for (const auto& [key, n] : t.totals) {
    if (key.second == t.mode) total += n;
  }
  const auto quiet = config::format_duration(
      std::chrono::duration_cast<config::Duration>(probes::TerminationRecord::kQuietPeriod));
  out.push_back(
      {!recent.empty(),
       fmt::format("terminations ({}): {} in the last {}, {} since the agent started",
                   dry ? "dry_run, none terminated" : "on", recent.size(), quiet, total)});
  for (const auto* r : recent) {
    const auto ago = std::chrono::duration<double>(now - r->at).count();
    out.push_back(
        {true, fmt::format("{} {} ({}, role {}, pid {}) idle in transaction {}, {} ago",
                           dry ? "WOULD TERMINATE" : (r->terminated ? "TERMINATED" : "GONE"),
                           common::printable(r->application_name), common::printable(r->client),
                           common::printable(r->role), r->pid, common::format_elapsed(r->age_s),
                           common::format_elapsed(std::max(0.0, ago)))});
  }
  if (!t.note.empty()) out.push_back({true, "termination: " + common::printable(t.note)});
}

}  // namespace

nlohmann::json terminations_json(const probes::TerminationRecord& t) {
  nlohmann::json recent = nlohmann::json::array();
  for (const auto& r : t.recent) {
    recent.push_back({{"at", common::rfc3339(r.at)},
                      {"pid", r.pid},
                      {"application_name", r.application_name},
                      {"role", r.role},
                      {"client", r.client},
                      {"idle_in_transaction_s", r.age_s},
                      {"mode", config::to_string(r.mode)},
                      {"terminated", r.terminated}});
  }
  nlohmann::json totals = nlohmann::json::array();
  for (const auto& [key, n] : t.totals) {
    totals.push_back(
        {{"client", key.first}, {"mode", config::to_string(key.second)}, {"sessions", n}});
  }
  nlohmann::json out{{"mode", config::to_string(t.mode)},
                     {"recent", std::move(recent)},
                     {"totals", std::move(totals)}};
  if (!t.note.empty()) out["note"] = t.note;
  return out;
}

std::vector<HygieneLine> hygiene_lines(const probes::ConnectionHygiene& h,
                                       const probes::TerminationRecord* terminations,
                                       std::chrono::system_clock::time_point now) {
  std::vector<HygieneLine> out;
  out.reserve(h.idle_in_transaction.size() + h.leaked.size() + 1);
  const auto limit = config::format_duration(h.idle_in_transaction_warn);
  for (const auto& i : h.idle_in_transaction) {
    out.push_back(
        {i.past_warn > 0, fmt::format("{}: {} idle in transaction, {} for {} or longer (oldest {})",
                                      common::printable(i.client), i.sessions, i.past_warn, limit,
                                      age(i.oldest_s))});
  }
  if (terminations && terminations->mode != probes::TerminateMode::off) {
    add_termination_lines(out, *terminations, now);
  }
  if (!h.leaks_checked) return out;
  if (h.leaked.empty()) {
    out.push_back({false, "leaked: none (every session names a worker that still runs)"});
  }
  for (const auto& l : h.leaked) {
    out.push_back(
        {true, fmt::format("LEAKED {} ({}): {} session{}, oldest {}; worker {} no longer runs",
                           common::printable(l.application_name), common::printable(l.client),
                           l.sessions, l.sessions == 1 ? "" : "s", age(l.oldest_s), l.worker_pid)});
  }
  return out;
}

nlohmann::json hygiene_json(const probes::ConnectionHygiene& h) {
  nlohmann::json idle = nlohmann::json::array();
  for (const auto& i : h.idle_in_transaction) {
    idle.push_back({{"client", i.client},
                    {"sessions", i.sessions},
                    {"past_warn", i.past_warn},
                    {"oldest_s", i.oldest_s ? nlohmann::json(*i.oldest_s) : nlohmann::json()}});
  }
  nlohmann::json out{{"idle_in_transaction_warn_s",
                      static_cast<double>(h.idle_in_transaction_warn.count()) / 1000},
                     {"idle_in_transaction", std::move(idle)},
                     {"leaks_checked", h.leaks_checked}};
  if (h.leaks_checked) {
    nlohmann::json leaked = nlohmann::json::array();
    for (const auto& l : h.leaked) {
      leaked.push_back({{"client", l.client},
                        {"application_name", l.application_name},
                        {"worker_pid", l.worker_pid},
                        {"sessions", l.sessions},
                        {"oldest_s", l.oldest_s ? nlohmann::json(*l.oldest_s) : nlohmann::json()}});
    }
    out["leaked"] = std::move(leaked);
    out["leaked_sessions"] = h.leaked_sessions;
  }
  return out;
}

std::string hygiene_text(const probes::ConnectionHygiene& h,
                         const probes::TerminationRecord* terminations,
                         std::chrono::system_clock::time_point now) {
  std::string out;
  for (const auto& line : hygiene_lines(h, terminations, now)) {
    out += wrap(line.problem ? "  !! " : "     ", line.text, "        ");
  }
  return out.empty() ? out : "\nsessions of the declared clients\n" + out;
}

std::string hygiene_html(const probes::ConnectionHygiene& h,
                         const probes::TerminationRecord* terminations,
                         std::chrono::system_clock::time_point now) {
  const auto lines = hygiene_lines(h, terminations, now);
  if (lines.empty()) return {};
  std::string out = R"(<section class="card"><h2>Idle in transaction and leaked sessions</h2><ul>)";
  for (const auto& line : lines) {
    out += fmt::format(R"(<li{}>{}{}</li>)", line.problem ? R"( class="hot")" : "",
                       line.problem ? "&#9888; " : "", html_escape(line.text));
  }
  return out + "</ul></section>";
}

}  // namespace opsagent::web
