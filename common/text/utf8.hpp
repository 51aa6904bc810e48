// UTF-8 for text that came from outside: application, user and database names are whatever
// clients sent, query text and messages are the server's bytes. One decoder (the Unicode table of
// well-formed byte sequences: no overlongs, no surrogates, nothing past U+10FFFF) serves every
// view, payload and metric label. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace opsagent::common {

inline constexpr std::string_view kReplacementCharacter = "\uFFFD";
inline constexpr std::string_view kEllipsis = "\u2026";  // "…": 3 bytes, 1 character

// Length of the well-formed sequence at s[i] (its code point in `code_point`), 0 if ill-formed.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i, char32_t* code_point = nullptr);

// `s` with every ill-formed byte replaced by U+FFFD: byte and character counts are then exact.
std::string valid_utf8(std::string_view s);

// Valid UTF-8 without control characters, for a terminal or an HTML page: C0 and C1 controls
// (ESC, CSI) could recolour or rewrite the on-call's terminal. Tab, CR and LF become a space;
// other controls and ill-formed bytes become '?'.
std::string printable(std::string_view s);

// The longest prefix of `s` of at most `max_bytes` bytes that does not split a sequence.
std::size_t utf8_cut_point(std::string_view s, std::size_t max_bytes);
// `s` (valid UTF-8) in at most `max_bytes` bytes; "…" marks a cut.
std::string cut_bytes(std::string_view s, std::size_t max_bytes);
// Characters (code points) in `s` (valid UTF-8).
std::size_t count_chars(std::string_view s);
// `s` (valid UTF-8) in at most `max_chars` characters; "…" marks a cut.
std::string cut_chars(std::string_view s, std::size_t max_chars);

}  // namespace opsagent::common
