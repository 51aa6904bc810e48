#include "probes/model/latency_history.hpp"

#include <algorithm>
#include <cmath>

namespace opsagent::probes {

namespace {
constexpr std::size_t kMinCapacity = 64;
constexpr std::size_t kMaxCapacity = 36'000;  // one hour at 100ms
}  // namespace

LatencySummary latency_quantiles(std::vector<std::int64_t>& micros) {
  LatencySummary out;
  out.samples = micros.size();
  if (micros.empty()) return out;
  std::ranges::sort(micros);
  // Nearest rank: the smallest sample with at least q of the samples at or below it.
  const auto rank = [&](double q) {
    const auto n = static_cast<double>(micros.size());
    const auto index = static_cast<std::size_t>(std::max(std::ceil(q * n), 1.0)) - 1;
    return static_cast<double>(micros[std::min(index, micros.size() - 1)]) / 1000.0;
  };
  out.p50_ms = rank(0.50);
  out.p95_ms = rank(0.95);
  out.p99_ms = rank(0.99);
  return out;
}

LatencyWindows empty_latency_windows() {
  LatencyWindows out{};
  for (std::size_t w = 0; w < out.size(); ++w) out[w].window = kHistoryWindows[w];
  return out;
}

LatencyHistory::LatencyHistory(std::chrono::milliseconds interval) {
  const std::int64_t per_hour = 3'600'000 / std::max<std::int64_t>(1, interval.count());
  // Answers come a little less often than the interval (each takes time); 10% spare.
  ring_.resize(std::clamp<std::size_t>(static_cast<std::size_t>(per_hour) * 11 / 10, kMinCapacity,
                                       kMaxCapacity));
}

void LatencyHistory::add(WallClock::time_point at, std::chrono::microseconds latency) {
  ring_[next_] = {at, std::max<std::int64_t>(latency.count(), 0)};
  next_ = (next_ + 1) % ring_.size();
  count_ = std::min(count_ + 1, ring_.size());
}

const LatencyHistory::Sample& LatencyHistory::at(std::size_t i) const {
  return ring_[(next_ + ring_.size() - count_ + i) % ring_.size()];
}

LatencyWindows LatencyHistory::summarize(WallClock::time_point now) const {
  LatencyWindows out = empty_latency_windows();
  std::vector<std::int64_t> micros;
  for (auto& w : out) {
    micros.clear();
    // Newest first; samples are added in time order, so the first too old ends the window.
    for (std::size_t i = count_; i-- > 0;) {
      const auto& sample = at(i);
      if (now - sample.at > w.window) break;
      micros.push_back(sample.micros);
    }
    w.latency = latency_quantiles(micros);
  }
  return out;
}

}  // namespace opsagent::probes
