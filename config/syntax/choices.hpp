// Settings that are one word out of a few (log level and format, supervise.on_exit,
// readiness.on_pressure), shared by the file and the environment overrides. A near miss gets a
// "did you mean". Thread-safety: pure functions.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace opsagent::config {

// The spdlog level names the agent accepts.
std::expected<std::string, std::string> parse_log_level(std::string_view text);
std::expected<LogSection::Format, std::string> parse_log_format(std::string_view text);

// supervise.on_exit: "exit" or "restart".
std::expected<SuperviseSection::OnExit, std::string> parse_on_exit(std::string_view text);
std::expected<ReadinessSection::Pressure, std::string> parse_on_pressure(std::string_view text);

// pool.terminate_idle_in_transaction: "off", "dry_run" or "on".
std::expected<PoolSection::Terminate, std::string> parse_terminate_mode(std::string_view text);
std::string_view to_string(PoolSection::Terminate mode);

}  // namespace opsagent::config
