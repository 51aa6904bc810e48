#include "agent/web/text_layout.hpp"

#include <algorithm>

#include "common/text/utf8.hpp"

namespace opsagent::web {

namespace {

using common::count_chars;  // printable() output is valid UTF-8: a code point is a column

// Byte offset just past the first `n` code points of `s` (s.size() when it is shorter).
std::size_t byte_offset(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  for (; i < s.size() && n > 0; --n) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) ++i;
  }
  return i;
}

}  // namespace

std::string line_of(std::string text) {
  while (text.ends_with(' ')) text.pop_back();
  return text + "\n";
}

std::string fit(std::string_view raw, std::size_t width) {
  std::string s = common::printable(raw);
  const std::size_t cols = count_chars(s);
  if (cols <= width) return s + std::string(width - cols, ' ');
  return common::cut_chars(s, width);
}

std::string wrap(std::string_view first, std::string_view raw, std::string_view indent) {
  const std::string text = common::printable(raw);
  std::string_view rest = text;
  std::string out(first);
  std::size_t prefix = count_chars(first);
  for (;;) {
    const std::size_t room = prefix + 10 < kTextWidth ? kTextWidth - prefix : 10;
    if (count_chars(rest) <= room) {
      out += rest;
      break;
    }
    std::size_t cut = rest.rfind(' ', byte_offset(rest, room));
    if (cut == std::string_view::npos || cut == 0) cut = rest.find(' ', byte_offset(rest, room));
    if (cut == std::string_view::npos) {
      out += rest;
      break;
    }
    out += rest.substr(0, rest.find_last_not_of(' ', cut) + 1);
    rest.remove_prefix(cut);
    rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
    if (rest.empty()) break;
    out += '\n';
    out += indent;
    prefix = count_chars(indent);
  }
  return out + "\n";
}

std::string join_parts(const std::vector<std::string>& parts) {
  std::string out;
  std::size_t col = 0;
  for (const auto& raw : parts) {
    const std::string part = common::printable(raw);
    if (col > 0 && col + 5 + count_chars(part) > kTextWidth) {
      out += "\n    ";
      col = 4;
    } else if (col > 0) {
      out += "  |  ";
      col += 5;
    }
    out += part;
    col += count_chars(part);
  }
  return out + "\n";
}

}  // namespace opsagent::web
