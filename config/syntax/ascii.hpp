// ASCII character classes for the config syntaxes (identifiers, env names, host names, SQL
// words): locale-free on purpose, since Postgres and shells judge these bytes the same way
// whatever the locale. Thread-safety: pure functions.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace opsagent::config {

inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_word(char c) {
  return is_alpha(c) || is_digit(c) || c == '_';
}
inline char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
inline std::string to_lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), lower);
  return out;
}

}  // namespace opsagent::config
