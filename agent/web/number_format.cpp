#include "agent/web/number_format.hpp"

#include <cmath>

#include <fmt/format.h>

namespace opsagent::web {

std::string format_seconds(double s) {
  if (s < 1) return fmt::format("{}ms", std::lround(s * 1000));
  if (s < 60) return fmt::format("{:.1f}s", s);
  const auto whole = static_cast<long>(s);
  if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  if (whole < 86400) return fmt::format("{}h{:02}m", whole / 3600, whole % 3600 / 60);
  return fmt::format("{}d{:02}h", whole / 86400, whole % 86400 / 3600);
}

std::string format_age(std::optional<double> s) {
  return s ? format_seconds(*s) : "-";
}

std::string format_latency(std::chrono::microseconds us) {
  if (us.count() < 1'000'000) return fmt::format("{:.1f}ms", static_cast<double>(us.count()) / 1e3);
  return fmt::format("{:.2f}s", static_cast<double>(us.count()) / 1e6);
}

std::string percent(double ratio) {
  return fmt::format("{:.1f}%", ratio * 100);
}

}  // namespace opsagent::web
