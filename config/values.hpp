// Checks for single config values, independent of TOML so the environment overrides and the file
// share them. Internal to the config module (and its tests). Each check returns the reason a value
// is wrong, not mentioning the key: the loader adds the key and the value.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace opsagent::config {

struct ListenAddress {
  std::string host;  // without IPv6 brackets
  std::uint16_t port = 0;
};

// "host:port"; host is an IPv4 address, a DNS name, or a bracketed IPv6 address ("[::]:8080").
std::expected<ListenAddress, std::string> parse_listen(std::string_view text);

// A TCP port: decimal digits only, 1..65535.
std::expected<std::uint16_t, std::string> parse_port(std::string_view text);

// Host syntax, shared by listen addresses and the URLs of HTTP checks. `host` is without IPv6
// brackets. is_host_name: RFC 1123 labels of letters, digits and '-', separated by dots.
bool is_ipv4(std::string_view host);
bool is_ipv6(std::string_view host);
bool is_host_name(std::string_view host);

// An unquoted Postgres identifier ([A-Za-z_][A-Za-z0-9_$]*, at most 63 bytes), folded to lower
// case the way Postgres folds it.
std::expected<std::string, std::string> parse_identifier(std::string_view text);

// "table" or "schema.table", each part an unquoted identifier.
std::expected<TableName, std::string> parse_table_name(std::string_view text);

// [A-Za-z_][A-Za-z0-9_]*: a name every shell and process manager can set.
bool is_env_name(std::string_view text);

// 1..63 printable ASCII characters: what Postgres keeps of application_name without mangling it.
std::expected<void, std::string> check_application_name(std::string_view text);

// A cheap guard against the usual mistakes in a marker query (empty, not a query, two statements).
// It cannot prove the query is read-only or returns one boolean: the probe finds that out.
std::expected<void, std::string> check_query(std::string_view sql);

// The spdlog level names the agent accepts.
std::expected<std::string, std::string> parse_log_level(std::string_view text);
std::expected<LogSection::Format, std::string> parse_log_format(std::string_view text);

// RAILWAY_DEPLOYMENT_DRAINING_SECONDS: a whole number of seconds, 0..kMaxDrainingSeconds.
inline constexpr int kMaxDrainingSeconds = 3600;
std::expected<int, std::string> parse_draining_seconds(std::string_view text);

// supervise.on_exit: "exit" or "restart".
std::expected<SuperviseSection::OnExit, std::string> parse_on_exit(std::string_view text);
std::expected<ReadinessSection::Pressure, std::string> parse_on_pressure(std::string_view text);

// Levenshtein distance, for "did you mean" hints.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate within edit distance 2 of `word` (and closer than its length, so that very short
// words do not match everything); the first of equally close ones.
std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates);

// A TOML key as it would be written in a dotted key: bare when it can be, else quoted, so that a
// key like "a b" is shown as `agent."a b"` and never breaks a message across lines.
std::string display_key(std::string_view name);

// `text` in double quotes, with control characters escaped and long values shortened, so that
// messages stay on one line whatever the file contains.
std::string in_quotes(std::string_view text);

}  // namespace opsagent::config
