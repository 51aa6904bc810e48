#include "agent/web/status_chart.hpp"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "agent/web/html_escape.hpp"
#include "config/syntax/threshold.hpp"

namespace opsagent::web {

std::string utilization_chart_svg(const probes::Snapshot& s, const config::PoolSection& pool) {
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
        html_escape(config::format_threshold(*t)));
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

}  // namespace opsagent::web
