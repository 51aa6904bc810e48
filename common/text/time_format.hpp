// Wall-clock times as people and other systems read them. Thread-safety: pure functions.
#pragma once

#include <string>

#include "common/clock.hpp"

namespace opsagent::common {

// RFC 3339 in UTC with milliseconds, "2026-12-02T04:07:25.123Z": JSON bodies, alert payloads,
// log lines and the status views all write times this one way.
std::string rfc3339(WallClock::time_point t);

}  // namespace opsagent::common
