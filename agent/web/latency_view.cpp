#include "agent/web/latency_view.hpp"

#include <fmt/format.h>

#include "agent/web/html_escape.hpp"
#include "agent/web/number_format.hpp"
#include "agent/web/text_layout.hpp"

namespace opsagent::web {

namespace {

std::string ms(double v) {
  return format_latency(std::chrono::microseconds(static_cast<std::int64_t>(v * 1000)));
}

nlohmann::json optional_ms(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

bool answered(const probes::LatencySummary& l) {
  return l.samples > 0 && l.p50_ms && l.p95_ms && l.p99_ms;
}

}  // namespace

std::string latency_phrase(const probes::LatencySummary& l) {
  if (!answered(l)) return "no answer yet";
  return fmt::format("p50 {}  p95 {}  p99 {} ({} answer{})", ms(*l.p50_ms), ms(*l.p95_ms),
                     ms(*l.p99_ms), l.samples, l.samples == 1 ? "" : "s");
}

nlohmann::json latency_json(const probes::LatencyWindows& windows) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& w : windows) {
    out[probes::window_label(w.window)] = {{"p50", optional_ms(w.latency.p50_ms)},
                                           {"p95", optional_ms(w.latency.p95_ms)},
                                           {"p99", optional_ms(w.latency.p99_ms)},
                                           {"samples", w.latency.samples}};
  }
  return out;
}

std::string text_latency(const probes::Snapshot& s) {
  const auto tracks = s.latency_tracks();
  if (tracks.empty()) return "";
  std::string out = "\nlatency of the answers (p50 / p95 / p99 per window)\n";
  for (const auto& t : tracks) {
    for (std::size_t i = 0; i < t.windows.size(); ++i) {
      const auto& w = t.windows[i];
      const std::string source = i == 0 ? t.check : "";
      const std::string window = probes::window_label(w.window);
      out += answered(w.latency)
                 ? line_of(fmt::format("  {} {:<5}{:>9} {:>10} {:>10}  ({} answer{})",
                                       fit(source, 30), window, ms(*w.latency.p50_ms),
                                       ms(*w.latency.p95_ms), ms(*w.latency.p99_ms),
                                       w.latency.samples, w.latency.samples == 1 ? "" : "s"))
                 : line_of(fmt::format("  {} {:<5}no answer yet", fit(source, 30), window));
    }
  }
  return out;
}

std::string html_latency(const probes::Snapshot& s) {
  const auto tracks = s.latency_tracks();
  if (tracks.empty()) return "";
  std::string out =
      R"(<section class="card wide"><h2>Latency of the answers</h2><table><tr><th>endpoint</th><th>window</th><th class="n">p50</th><th class="n">p95</th><th class="n">p99</th><th class="n">answers</th></tr>)";
  for (const auto& t : tracks) {
    for (std::size_t i = 0; i < t.windows.size(); ++i) {
      const auto& w = t.windows[i];
      const std::string source = i == 0 ? fmt::format(R"(<td class="name" rowspan="{}">{}</td>)",
                                                      t.windows.size(), html_escape(t.check))
                                        : "";
      const std::string window = probes::window_label(w.window);
      out +=
          answered(w.latency)
              ? fmt::format(
                    R"(<tr>{}<td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>)",
                    source, window, ms(*w.latency.p50_ms), ms(*w.latency.p95_ms),
                    ms(*w.latency.p99_ms), w.latency.samples)
              : fmt::format(
                    R"(<tr>{}<td>{}</td><td class="muted" colspan="4">no answer yet</td></tr>)",
                    source, window);
    }
  }
  return out + "</table></section>";
}

}  // namespace opsagent::web
