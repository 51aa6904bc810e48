// Pool thresholds as the user writes them: "80%" (a percentage of the usable connection slots),
// 85 (a count of connections in use, a TOML integer) or "-5" (at most 5 usable slots left).
// Public so that the agent can show thresholds and a fuzzer can feed the parser arbitrary bytes.
// Thread-safety: pure functions; they never throw.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace opsagent::config {

// Postgres cannot be configured for more than 262143 connections (max_connections), so a count
// or a number of slots left beyond it is a typo, not a threshold.
inline constexpr std::int64_t kMaxThresholdSlots = 262143;

// The string forms: "80%" (above 0, at most 100, decimals allowed: "92.5%") and "-5" (a minus
// sign, then a whole number of slots 0..kMaxThresholdSlots). The error is a complete sentence that
// quotes `text` and says how to write it.
std::expected<Threshold, std::string> parse_threshold_text(std::string_view text);

// The integer form: a count of connections in use, 1..kMaxThresholdSlots. The error says what
// was probably meant (e.g. a negative number written without the quotes of "-5").
std::expected<Threshold, std::string> threshold_from_count(std::int64_t count);

// The form a user would write: "80%", "92.5%", "85", "-5" (without TOML quotes). For any
// threshold the parsers accept, parsing the result gives the same threshold back.
std::string format_threshold(const Threshold& threshold);

// The three forms in one phrase, for messages: `"80%" (...), 85 (...) or "-5" (...)`.
std::string_view threshold_forms();

}  // namespace opsagent::config
