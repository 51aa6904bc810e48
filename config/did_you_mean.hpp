// "Did you mean" diagnostics: the closest known word to a misspelt one (edit distance), and the
// message for a key no table declares. Internal to the config module. Thread-safety: pure
// functions over the immutable key tables.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/key_table.hpp"

namespace opsagent::config {

// Levenshtein distance, for "did you mean" hints.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate within edit distance 2 of `word` (and closer than its length, so that very short
// words do not match everything); the first of equally close ones.
std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates);

// Like closest(), for a word whose case does not matter: "Slack" is a near miss of "slack".
std::optional<std::string_view> closest_folded(std::string_view word,
                                               std::span<const std::string_view> candidates);

}  // namespace opsagent::config
