// How long the app's endpoints ([[readiness.http]]) and the upstream APIs ([[upstreams]]) took to
// answer, kept for an hour like the utilization history and summarised per window (1m, 15m,
// 1h) as nearest-rank p50/p95/p99. Only answers count: a timeout measures the timeout and a
// refusal nothing, so those are the checks' and breakers' business, not latency's.
// Thread-safety: LatencyHistory is not thread-safe (its owner serialises access); the summaries
// are plain values.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "probes/model/history_windows.hpp"

namespace opsagent::probes {

// Latency quantiles of one window, in milliseconds; empty while the window holds no answer.
struct LatencySummary {
  std::size_t samples = 0;
  std::optional<double> p50_ms;
  std::optional<double> p95_ms;
  std::optional<double> p99_ms;
  bool operator==(const LatencySummary&) const = default;
};

struct LatencyWindowSummary {
  std::chrono::seconds window{0};
  LatencySummary latency;
  bool operator==(const LatencyWindowSummary&) const = default;
};

// One entry per kHistoryWindows window, shortest first.
using LatencyWindows = std::array<LatencyWindowSummary, kHistoryWindows.size()>;
// The window a view with room for one shows (15m): long enough to mean something, short enough
// to be about now.
inline constexpr std::size_t kSummaryWindow = 1;

// Nearest-rank quantiles of `micros` (reordered in place).
LatencySummary latency_quantiles(std::vector<std::int64_t>& micros);

// The windows with no samples: what a source shows before its first answer.
LatencyWindows empty_latency_windows();

// The latency history of one endpoint or upstream (the checked thing's name beside it), as a
// Snapshot carries it for the views.
struct LatencyTrack {
  std::string check;  // "http:<name>" or "upstream:<name>", as in /health's checks
  LatencyWindows windows = empty_latency_windows();
};

class LatencyHistory {
 public:
  // Enough slots for an hour of answers at one per `interval`, capped so a tiny interval cannot
  // eat memory (16 bytes a slot: at most ~0.6 MB).
  explicit LatencyHistory(std::chrono::milliseconds interval);

  void add(WallClock::time_point at, std::chrono::microseconds latency);
  LatencyWindows summarize(WallClock::time_point now) const;
  std::size_t size() const { return count_; }
  std::size_t capacity() const { return ring_.size(); }

 private:
  struct Sample {
    WallClock::time_point at;
    std::int64_t micros = 0;
  };
  const Sample& at(std::size_t i) const;  // 0 = oldest

  std::vector<Sample> ring_;
  std::size_t next_ = 0;
  std::size_t count_ = 0;
};

}  // namespace opsagent::probes
