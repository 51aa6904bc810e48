#include "common/text/utf8.hpp"

#include <algorithm>

namespace opsagent::common {

namespace {

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view s, std::size_t i, char32_t* code_point) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto in = [](unsigned char c, unsigned char lo, unsigned char hi) {
    return c >= lo && c <= hi;
  };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead < 0x80) {
    length = 1;
  } else if (in(lead, 0xC2, 0xDF)) {
    length = 2;
  } else if (in(lead, 0xE0, 0xEF)) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (in(lead, 0xF0, 0xF4)) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (s.size() - i < length) return 0;
  if (length > 1 && !in(byte(i + 1), low, high)) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!in(byte(i + k), 0x80, 0xBF)) return 0;
  }
  if (code_point != nullptr) {
    char32_t cp = length == 1 ? lead : lead & (0x7Fu >> length);
    for (std::size_t k = 1; k < length; ++k) cp = (cp << 6) | (byte(i + k) & 0x3Fu);
    *code_point = cp;
  }
  return length;
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += kReplacementCharacter;
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t n = utf8_sequence_length(s, i, &cp);
    if (n == 0) {
      out += '?';
      ++i;
      continue;
    }
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      out += ' ';
    } else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
      out += '?';
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::size_t utf8_cut_point(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  std::size_t cut = max_bytes;
  for (int back = 0; back < 3 && cut > 0 && is_continuation(s[cut]); ++back) --cut;
  return cut;
}

std::string cut_bytes(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  if (max_bytes < kEllipsis.size()) return std::string(s.substr(0, utf8_cut_point(s, max_bytes)));
  std::string out(s.substr(0, utf8_cut_point(s, max_bytes - kEllipsis.size())));
  out += kEllipsis;
  return out;
}

std::size_t count_chars(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return !is_continuation(c); }));
}

std::string cut_chars(std::string_view s, std::size_t max_chars) {
  if (count_chars(s) <= max_chars) return std::string(s);
  std::size_t i = 0;
  for (std::size_t chars = 0; i < s.size() && chars + 1 < max_chars; ++chars) {
    i += std::max<std::size_t>(1, utf8_sequence_length(s, i));
  }
  std::string out(s.substr(0, i));
  out += kEllipsis;
  return out;
}

}  // namespace opsagent::common
