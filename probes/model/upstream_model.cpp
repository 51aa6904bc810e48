#include "probes/model/upstream_model.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace opsagent::probes {

void LatencyWindow::add(std::chrono::microseconds latency) {
  samples_.at(next_) = std::max<std::int64_t>(latency.count(), 0);
  next_ = (next_ + 1) % kCapacity;
  size_ = std::min(size_ + 1, kCapacity);
}

LatencySummary LatencyWindow::summary() const {
  LatencySummary out;
  out.samples = size_;
  if (size_ == 0) return out;
  std::vector<std::int64_t> sorted(samples_.begin(),
                                   samples_.begin() + static_cast<std::ptrdiff_t>(size_));
  std::ranges::sort(sorted);
  // Nearest rank: the smallest sample with at least q of the samples at or below it.
  const auto rank = [&](double q) {
    const auto n = static_cast<double>(sorted.size());
    const auto index = static_cast<std::size_t>(std::max(std::ceil(q * n), 1.0)) - 1;
    return static_cast<double>(sorted[std::min(index, sorted.size() - 1)]) / 1000.0;
  };
  out.p50_ms = rank(0.50);
  out.p95_ms = rank(0.95);
  out.p99_ms = rank(0.99);
  return out;
}

const UpstreamStatus* UpstreamBoard::find(std::string_view name) const {
  const auto it = std::ranges::find(upstreams, name, &UpstreamStatus::name);
  return it == upstreams.end() ? nullptr : &*it;
}

CheckResult upstream_check(const UpstreamStatus& u) {
  CheckResult c;
  c.name = "upstream:" + u.name;
  c.gates_readiness = u.gates_readiness;
  c.observed_value = static_cast<double>(u.consecutive_failures);
  c.observed_unit = "consecutive failures";
  if (u.last) {
    c.duration = u.last->duration;
    if (!u.last->ok) c.error = u.last->error;
  }
  const std::string last = u.last ? u.last->message : std::string("not probed yet");
  switch (u.state) {
    case BreakerState::closed:
      c.status = u.consecutive_failures > 0 ? CheckStatus::warn : CheckStatus::pass;
      c.message = u.consecutive_failures > 0
                      ? fmt::format("circuit closed; {} of {} failures before it opens: {}",
                                    u.consecutive_failures, u.failure_threshold, last)
                      : fmt::format("circuit closed: {}", last);
      if (u.consecutive_failures == 0) c.error = ErrorClass::none;
      break;
    case BreakerState::half_open:
      c.status = CheckStatus::warn;
      c.message = fmt::format("circuit half-open, probing once: {}", last);
      break;
    case BreakerState::open:
      c.status = CheckStatus::fail;
      c.message = fmt::format("circuit open: {}", u.transition_reason);
      if (c.error == ErrorClass::none) c.error = ErrorClass::unknown;
      break;
  }
  return c;
}

}  // namespace opsagent::probes
