#include "agent/web/number_format.hpp"

#include <cmath>

#include <fmt/format.h>

#include "common/text/time_format.hpp"

namespace opsagent::web {

std::string format_seconds(double s) {
  return common::format_elapsed(s);
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
