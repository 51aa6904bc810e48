// Loading a Config from TOML: parse, check every key against the key table, apply environment
// overrides, validate cross-key rules. Every problem is collected (not just the first) so that
// `opsagent validate` can list them all. Thread-safety: reentrant; no global state.
#pragma once

#include <cstddef>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace opsagent::config {

// One problem with a config file. `line`/`column` are 1-based and 0 when unknown (e.g. a
// missing file). `key` is the dotted key ("database.statement_timeout",
// "readiness.migrations[2].query"), empty when the problem is not about one key.
struct ConfigError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string key;
  std::string message;  // says what is wrong and what to do; never contains a secret

  // "file:line:col: key: message" (parts that are unknown are left out).
  std::string to_string() const;
};

using ConfigErrors = std::vector<ConfigError>;

// Limits on what a config source can make the agent do. A longer file is refused unread (the
// example, every key documented, is about 20 KiB); a load reports the first problems in file
// order and then one line saying how many more there are; a systemd credential longer than a
// DSN or token could be is treated as absent.
inline constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;
inline constexpr std::size_t kMaxReportedErrors = 50;
inline constexpr std::size_t kMaxCredentialBytes = std::size_t{64} * 1024;

// Reads an environment variable; std::nullopt when unset. Injected so tests need no setenv.
// process_environment() falls back to systemd credentials: $CREDENTIALS_DIRECTORY/NAME.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment process_environment();

// Environment overrides applied after the file: PORT (agent listen port, as Railway sets it),
// OPSAGENT_LOG_LEVEL, OPSAGENT_LOG_FORMAT. RAILWAY_DEPLOYMENT_DRAINING_SECONDS only changes a
// default: when the file does not set agent.drain, the drain is half of it (at most 15m).
// RAILWAY_DEPLOYMENT_ID or RAILWAY_SERVICE_ID (running on Railway) make deploy.overlap default to
// 2 when the file does not set it.
// load_config_file reads the file through common::read_bounded_file (a regular file of at most
// kMaxConfigBytes, opened without blocking) and also checks what the config's paths name:
// alerts.state_file must be a regular file or not exist yet. load_config_string touches no file.
std::expected<Config, ConfigErrors> load_config_file(const std::string& path,
                                                     const Environment& env);
std::expected<Config, ConfigErrors> load_config_string(std::string_view toml_text,
                                                       const std::string& source_name,
                                                       const Environment& env);

}  // namespace opsagent::config
