#include "probes/model/exhaustion_forecast.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "common/text/time_format.hpp"
#include "config/syntax/duration.hpp"

namespace opsagent::probes {

namespace {

// At most this many points enter the slope: more samples (a short interval) are first reduced to
// this many buckets, each its median time and median count. Bounds the pairwise work to ~7000
// slopes per cycle, and a bucket's median already drops a spike inside it.
constexpr std::size_t kMaxPoints = 120;

struct Point {
  double x = 0;  // seconds relative to now (negative: the past)
  double y = 0;  // connections in use
};

double median(std::vector<double>& v) {
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::ranges::nth_element(v, mid);
  if (v.size() % 2 == 1) return *mid;
  const double upper = *mid;
  return (upper + *std::max_element(v.begin(), mid)) / 2;
}

std::vector<Point> reduce(const std::vector<Point>& points) {
  if (points.size() <= kMaxPoints) return points;
  std::vector<Point> out;
  std::vector<double> xs, ys;
  for (std::size_t b = 0; b < kMaxPoints; ++b) {
    const std::size_t from = b * points.size() / kMaxPoints;
    const std::size_t to = (b + 1) * points.size() / kMaxPoints;
    xs.clear();
    ys.clear();
    for (std::size_t i = from; i < to; ++i) {
      xs.push_back(points[i].x);
      ys.push_back(points[i].y);
    }
    out.push_back({median(xs), median(ys)});
  }
  return out;
}

// Theil–Sen: the slope is the median of the slopes between every pair of points, the level the
// median of what each point says the line is at now. Least squares would follow one sample of
// 95 among 40s (a burst, a misread) far enough to forecast exhaustion; the median of pairwise
// slopes ignores up to ~29% of wild points and still follows a steady rise exactly.
std::pair<double, double> theil_sen(const std::vector<Point>& p) {
  std::vector<double> slopes;
  slopes.reserve(p.size() * (p.size() - 1) / 2);
  for (std::size_t i = 0; i < p.size(); ++i) {
    for (std::size_t j = i + 1; j < p.size(); ++j) {
      const double dx = p[j].x - p[i].x;
      if (dx != 0) slopes.push_back((p[j].y - p[i].y) / dx);
    }
  }
  if (slopes.empty()) return {0, p.back().y};
  const double slope = median(slopes);
  std::vector<double> levels;
  levels.reserve(p.size());
  for (const auto& q : p) levels.push_back(q.y - slope * q.x);  // x is relative to now
  return {slope, median(levels)};
}

}  // namespace

std::string_view to_string(Trend t) {
  switch (t) {
    case Trend::too_few_samples:
      return "too_few_samples";
    case Trend::flat:
      return "flat";
    case Trend::falling:
      return "falling";
    case Trend::rising:
      return "rising";
  }
  return "too_few_samples";
}

bool ExhaustionForecast::within(config::Duration horizon) const {
  return horizon.count() > 0 && exhausted_in &&
         std::chrono::duration_cast<config::Duration>(*exhausted_in) <= horizon;
}

ExhaustionForecast forecast_exhaustion(std::span<const UtilizationSample> samples,
                                       std::chrono::system_clock::time_point now,
                                       std::chrono::seconds window) {
  ExhaustionForecast f;
  f.window = window;
  std::vector<Point> points;
  for (const auto& s : samples) {
    if (s.at > now || now - s.at > window) continue;
    points.push_back(
        {std::chrono::duration<double>(s.at - now).count(), static_cast<double>(s.used)});
    f.usable = s.usable;
    f.used = s.used;
  }
  f.samples = points.size();
  if (points.empty()) return f;
  f.covered = std::chrono::seconds(static_cast<std::int64_t>(-points.front().x));
  f.level = points.back().y;
  if (f.samples < kForecastMinSamples || f.covered * 2 < window) return f;

  const auto [slope, level] = theil_sen(reduce(points));
  f.per_minute = slope * 60;
  f.level = level;
  // Connections come whole: a trend that moves less than one over the whole window is noise
  // around a steady level, not a direction.
  const double change = slope * static_cast<double>(window.count());
  if (std::abs(change) < 1) {
    f.trend = Trend::flat;
  } else if (change < 0) {
    f.trend = Trend::falling;
  } else {
    f.trend = Trend::rising;
    const double left = std::max(0.0, f.usable - level);
    f.exhausted_in = std::chrono::seconds(static_cast<std::int64_t>(std::ceil(left / slope)));
  }
  return f;
}

namespace {

std::string describe_trend(const ExhaustionForecast& f) {
  const std::string over = "over the last " + window_label(f.window);
  const std::string in_use = fmt::format("{}/{} usable slots in use", f.used, f.usable);
  switch (f.trend) {
    case Trend::too_few_samples:
      return fmt::format(
          "no trend yet: {} sample{} over {} (a forecast needs {} over at least {}, half of "
          "pool.forecast_window {})",
          f.samples, f.samples == 1 ? "" : "s",
          common::format_elapsed(static_cast<double>(f.covered.count())), kForecastMinSamples,
          common::format_elapsed(static_cast<double>(f.window.count()) / 2),
          window_label(f.window));
    case Trend::flat:
      return fmt::format("flat {} ({}): no exhaustion in sight", over, in_use);
    case Trend::falling:
      return fmt::format("falling {:.1f} connections/min {} ({}): no exhaustion in sight",
                         f.per_minute, over, in_use);
    case Trend::rising:
      break;
  }
  const auto left = f.exhausted_in.value_or(std::chrono::seconds(0));
  return fmt::format("rising +{:.1f} connections/min {} ({}): {}", f.per_minute, over, in_use,
                     left.count() == 0
                         ? std::string("the usable slots are used up")
                         : "at this rate the usable slots run out in " +
                               common::format_elapsed(static_cast<double>(left.count())));
}

}  // namespace

std::string describe(const ExhaustionForecast& f, config::Duration horizon) {
  std::string out = describe_trend(f);
  if (f.within(horizon)) {
    out += fmt::format(", within pool.forecast_horizon {}", config::format_duration(horizon));
  }
  return out;
}

CheckResult forecast_check(const ExhaustionForecast& f, config::Duration horizon) {
  CheckResult c;
  c.name = "pool:forecast";
  c.gates_readiness = false;
  c.status = f.within(horizon) ? CheckStatus::warn : CheckStatus::pass;
  c.message = describe(f, horizon);
  if (f.exhausted_in) {
    c.observed_value = static_cast<double>(f.exhausted_in->count());
    c.observed_unit = 's';
  }
  return c;
}

}  // namespace opsagent::probes
