#include "agent/web/hygiene_view.hpp"

#include <fmt/format.h>

#include "agent/web/html_escape.hpp"
#include "agent/web/number_format.hpp"
#include "agent/web/text_layout.hpp"
#include "common/text/utf8.hpp"
#include "config/syntax/duration.hpp"

namespace opsagent::web {

namespace {

std::string age(const std::optional<double>& s) {
  return s ? format_seconds(*s) : std::string("-");
}

}  // namespace

std::vector<HygieneLine> hygiene_lines(const probes::ConnectionHygiene& h) {
  std::vector<HygieneLine> out;
  out.reserve(h.idle_in_transaction.size() + h.leaked.size() + 1);
  const auto limit = config::format_duration(h.idle_in_transaction_warn);
  for (const auto& i : h.idle_in_transaction) {
    out.push_back(
        {i.past_warn > 0, fmt::format("{}: {} idle in transaction, {} for {} or longer (oldest {})",
                                      common::printable(i.client), i.sessions, i.past_warn, limit,
                                      age(i.oldest_s))});
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

std::string hygiene_text(const probes::ConnectionHygiene& h) {
  std::string out;
  for (const auto& line : hygiene_lines(h)) {
    out += wrap(line.problem ? "  !! " : "     ", line.text, "        ");
  }
  return out.empty() ? out : "\nsessions of the declared clients\n" + out;
}

std::string hygiene_html(const probes::ConnectionHygiene& h) {
  const auto lines = hygiene_lines(h);
  if (lines.empty()) return {};
  std::string out = R"(<section class="card"><h2>Idle in transaction and leaked sessions</h2><ul>)";
  for (const auto& line : lines) {
    out += fmt::format(R"(<li{}>{}{}</li>)", line.problem ? R"( class="hot")" : "",
                       line.problem ? "&#9888; " : "", html_escape(line.text));
  }
  return out + "</ul></section>";
}

}  // namespace opsagent::web
