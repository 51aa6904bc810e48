// Durations in the config are strings with units: "500ms", "5s", "2m", "1h", or sums of those
// written together ("1m30s"). Parsing is strict: no sign, no spaces, no fractions, no bare
// numbers, a known unit after every number. Thread-safety: pure functions.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace opsagent::config {

// The error says what was wrong with the text, e.g. `missing unit after "5" (use ms, s, m or h)`.
std::expected<Duration, std::string> parse_duration(std::string_view text);

// The shortest exact form: 1500ms -> "1500ms", 2000ms -> "2s", 120000ms -> "2m".
std::string format_duration(Duration d);

}  // namespace opsagent::config
