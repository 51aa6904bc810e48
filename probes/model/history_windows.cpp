#include "probes/model/history_windows.hpp"

namespace opsagent::probes {

std::string window_label(std::chrono::seconds window) {
  const auto s = window.count();
  if (s > 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s > 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

}  // namespace opsagent::probes
