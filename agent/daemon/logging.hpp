// spdlog to stdout, as text lines or as JSON lines (one object per line, properly escaped).
// Thread-safety: configure_logging may be called again on reload while other threads log;
// spdlog serialises formatter changes with its sink mutex.
#pragma once

#include <memory>

#include <spdlog/formatter.h>

#include "config/config.hpp"

namespace opsagent::daemon {

void configure_logging(const config::LogSection& log);

// {"ts":"2026-11-22T11:05:00.123Z","level":"warn","msg":"..."}
std::unique_ptr<spdlog::formatter> make_json_formatter();

}  // namespace opsagent::daemon
