// RAILWAY_DEPLOYMENT_DRAINING_SECONDS: Railway's time from SIGTERM to SIGKILL, from which the
// default agent.drain is derived. Thread-safety: pure functions.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace opsagent::config {

// A whole number of seconds, 0..kMaxDrainingSeconds.
inline constexpr int kMaxDrainingSeconds = 3600;
std::expected<int, std::string> parse_draining_seconds(std::string_view text);

}  // namespace opsagent::config
