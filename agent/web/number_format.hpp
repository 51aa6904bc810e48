// Durations, latencies and ratios as the on-call reads them in /status ("754ms", "12m34s",
// "86.6%"): one formatter per kind, so the text and HTML views never disagree on a number.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace opsagent::web {

// Seconds scaled to the largest unit that keeps two significant parts: "350ms", "4.2s",
// "12m34s", "3h05m", "2d04h".
std::string format_seconds(double seconds);

// An age that may be unknown (no such session): format_seconds, or "-".
std::string format_age(std::optional<double> seconds);

// A measured duration: "1.2ms" below a second, "1.50s" from there.
std::string format_latency(std::chrono::microseconds us);

// A ratio of 0..1 as a percentage with one decimal: "86.6%".
std::string percent(double ratio);

}  // namespace opsagent::web
