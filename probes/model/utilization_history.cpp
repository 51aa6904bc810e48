#include "probes/model/utilization_history.hpp"

#include <algorithm>
#include <cmath>

namespace opsagent::probes {

namespace {
constexpr std::size_t kMaxCapacity = 36'000;  // one hour at 100ms, ~1.2 MB
constexpr const auto& kWindows = kHistoryWindows;
}  // namespace

UtilizationHistory::UtilizationHistory(std::chrono::milliseconds interval) {
  const std::int64_t per_hour = 3'600'000 / std::max<std::int64_t>(1, interval.count());
  // Cycles take time of their own, so an hour holds fewer samples than this; 10% spare.
  ring_.resize(
      std::clamp<std::size_t>(static_cast<std::size_t>(per_hour) * 11 / 10, 64, kMaxCapacity));
}

void UtilizationHistory::add(const UtilizationSample& sample) {
  ring_[next_] = sample;
  next_ = (next_ + 1) % ring_.size();
  count_ = std::min(count_ + 1, ring_.size());
}

const UtilizationSample& UtilizationHistory::at(std::size_t i) const {
  return ring_[(next_ + ring_.size() - count_ + i) % ring_.size()];
}

std::vector<UtilizationSample> UtilizationHistory::recent(std::chrono::system_clock::time_point now,
                                                          std::chrono::seconds window) const {
  std::size_t first = count_;
  while (first > 0 && now - at(first - 1).at <= window) --first;
  std::vector<UtilizationSample> out;
  out.reserve(count_ - first);
  for (std::size_t i = first; i < count_; ++i) out.push_back(at(i));
  return out;
}

UtilizationSummary UtilizationHistory::summarize(std::chrono::system_clock::time_point now) const {
  UtilizationSummary s;
  std::vector<double> values;
  for (std::size_t w = 0; w < kWindows.size(); ++w) {
    auto& stats = s.windows[w];
    stats.window = kWindows[w];
    values.clear();
    for (std::size_t i = count_; i-- > 0;) {
      const auto& sample = at(i);
      if (now - sample.at > kWindows[w]) break;
      values.push_back(sample.utilization);
    }
    stats.samples = values.size();
    if (values.empty()) continue;
    if (at(count_ - 1).at == now) stats.current = values.front();  // newest first
    stats.max = *std::ranges::max_element(values);
    // Nearest-rank p95.
    const auto rank =
        static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(values.size())));
    std::ranges::nth_element(values, values.begin() + static_cast<std::ptrdiff_t>(rank - 1));
    stats.p95 = values[rank - 1];
  }
  // Chart: the last hour, keeping each bucket's maximum so short spikes stay visible.
  std::size_t first = count_;
  while (first > 0 && now - at(first - 1).at <= kWindows.back()) --first;
  const std::size_t n = count_ - first;
  const std::size_t step = std::max<std::size_t>(
      1, (n + UtilizationSummary::kChartPoints - 1) / UtilizationSummary::kChartPoints);
  for (std::size_t i = first; i < count_; i += step) {
    UtilizationSample peak = at(i);
    for (std::size_t j = i + 1; j < std::min(count_, i + step); ++j) {
      if (at(j).utilization > peak.utilization) peak = at(j);
    }
    s.chart.push_back(peak);
  }
  return s;
}

}  // namespace opsagent::probes
