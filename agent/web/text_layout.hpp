// Laying out the plain-text /status for a terminal: fixed-width columns and wrapped lines that
// count characters, not bytes, over text made printable first (common::printable), so a long or
// hostile name can neither push the table out of line nor send escape sequences to the on-call's
// terminal. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace opsagent::web {

// The text view must stay readable in half a laptop screen and in a narrow incident channel.
inline constexpr std::size_t kTextWidth = 100;

// Exactly `width` columns of printable(raw): padded, or cut with "…".
std::string fit(std::string_view raw, std::size_t width);

// `text` without its trailing spaces (fit() pads), ended with a newline: a line of columns
// whose last one is short.
std::string line_of(std::string text);

// printable(raw) wrapped at spaces to kTextWidth columns, keeping the text's own spacing; the
// first line starts with `first`, the others with `indent`. A word longer than a line stays
// whole. Ends with a newline.
std::string wrap(std::string_view first, std::string_view raw, std::string_view indent);

// The parts joined with "  |  ", breaking lines only between parts so no line ends in a
// dangling "|". Ends with a newline.
std::string join_parts(const std::vector<std::string>& parts);

}  // namespace opsagent::web
