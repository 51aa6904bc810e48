#include "config/syntax/quoting.hpp"

#include <algorithm>

#include "config/syntax/ascii.hpp"

namespace opsagent::config {
namespace {

constexpr std::size_t kMaxQuoted = 64;

}  // namespace

std::string display_key(std::string_view name) {
  const bool bare =
      !name.empty() && std::ranges::all_of(name, [](char c) { return is_word(c) || c == '-'; });
  return bare ? std::string(name) : in_quotes(name);
}

std::string in_quotes(std::string_view text) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  const std::string_view shown = text.substr(0, kMaxQuoted);
  for (char c : shown) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  if (shown.size() < text.size()) out += "...";
  out += '"';
  return out;
}

}  // namespace opsagent::config
