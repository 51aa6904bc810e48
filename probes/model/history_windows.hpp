// The windows every history in the agent is summarised over (utilization, latency), and their
// names as people write them: the same "1m", "15m", "1h" in /health, /status and /metrics.
// Thread-safety: constants and a pure function.
#pragma once

#include <array>
#include <chrono>
#include <string>

namespace opsagent::probes {

inline constexpr std::array<std::chrono::seconds, 3> kHistoryWindows{
    std::chrono::seconds(60), std::chrono::seconds(900), std::chrono::seconds(3600)};

// "1m", "15m", "1h"; "45s" for a window that is no whole number of minutes.
std::string window_label(std::chrono::seconds window);

}  // namespace opsagent::probes
