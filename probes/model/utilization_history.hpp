// Recent samples of connection utilization: a fixed-size ring buffer covering at least the
// last hour, summarised per window (current, max, p95) and downsampled for the /status chart.
// Thread-safety: not thread-safe; the probe loop owns it and copies summaries into Snapshots.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "probes/model/history_windows.hpp"

namespace opsagent::probes {

struct UtilizationSample {
  std::chrono::system_clock::time_point at;
  int used = 0;
  int usable = 0;
  double utilization = 0;  // used / usable
};

struct WindowStats {
  std::chrono::seconds window{0};
  std::size_t samples = 0;
  // The newest sample, only when it was taken by the cycle summarized: a cycle that could not
  // read pg_stat_activity has no "now", and an older value must not pass for one.
  std::optional<double> current;
  double max = 0;
  double p95 = 0;
};

struct UtilizationSummary {
  std::array<WindowStats, 3> windows{};  // 1m, 15m, 1h
  std::vector<UtilizationSample> chart;  // the last hour, at most kChartPoints, oldest first
  static constexpr std::size_t kChartPoints = 240;
};

class UtilizationHistory {
 public:
  // Enough slots for one hour at `interval`, capped so a tiny interval cannot eat memory.
  explicit UtilizationHistory(std::chrono::milliseconds interval);

  void add(const UtilizationSample& sample);
  UtilizationSummary summarize(std::chrono::system_clock::time_point now) const;
  // The samples of the last `window` before `now`, oldest first (for the exhaustion forecast).
  std::vector<UtilizationSample> recent(std::chrono::system_clock::time_point now,
                                        std::chrono::seconds window) const;
  std::size_t size() const { return count_; }
  std::size_t capacity() const { return ring_.size(); }

 private:
  // i-th sample, 0 = oldest.
  const UtilizationSample& at(std::size_t i) const;

  std::vector<UtilizationSample> ring_;
  std::size_t next_ = 0;
  std::size_t count_ = 0;
};

}  // namespace opsagent::probes
