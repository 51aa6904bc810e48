// The clocks opsagent uses, named once: SteadyClock for deadlines and ages (never jumps),
// WallClock for what a person or another system reads (alert times, log lines, Date headers).
// Thread-safety: type aliases only.
#pragma once

#include <chrono>

namespace opsagent {

using SteadyClock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;
// The moment by which an operation must end.
using Deadline = SteadyClock::time_point;

}  // namespace opsagent
