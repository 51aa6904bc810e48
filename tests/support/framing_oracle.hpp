// The RFC 9112 framing rules of agent/http/request_head.hpp, written a second time and
// differently (line by line over std::string, no shared helpers), as the oracle of the framing
// property test and the libFuzzer target: parse_request_head must accept a complete head exactly
// when this says it is well framed. Test code only.
// Thread-safety: pure functions.
#pragma once

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace opsagent::testing {

inline bool oracle_tchar(unsigned char c) {
  return std::isalnum(c) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

inline std::string oracle_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// `head`: the bytes up to and including the first "\r\n\r\n". The status parse_request_head
// must refuse it with (400 or 505), or 0 when it must accept it.
inline int oracle_framing_status(std::string_view head) {
  std::vector<std::string> lines;
  std::string current;
  for (std::size_t i = 0; i + 1 < head.size(); ++i) {
    if (head[i] == '\r' && head[i + 1] == '\n') {
      lines.push_back(current);
      current.clear();
      ++i;
    } else {
      current += head[i];
    }
  }
  // lines: request line, fields..., "" (the blank line)
  if (lines.size() < 2) return 400;
  const std::string& request = lines[0];
  std::vector<std::string> parts;
  std::string part;
  for (const char c : request) {
    if (c == ' ') {
      parts.push_back(part);
      part.clear();
    } else {
      part += c;
    }
  }
  parts.push_back(part);
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty()) return 400;
  for (const char c : parts[0]) {
    if (!oracle_tchar(static_cast<unsigned char>(c))) return 400;
  }
  for (const char c : parts[1]) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return 400;
  }
  const std::string& v = parts[2];
  if (v.size() != 8 || v.compare(0, 5, "HTTP/") != 0 ||
      !std::isdigit(static_cast<unsigned char>(v[5])) || v[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(v[7]))) {
    return 400;
  }
  if (v != "HTTP/1.1" && v != "HTTP/1.0") return 505;

  int lengths = 0;
  int hosts = 0;
  bool te = false;
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
    const std::string& line = lines[i];
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) return 400;
    const std::string name = line.substr(0, colon);
    for (const char c : name) {
      if (!oracle_tchar(static_cast<unsigned char>(c))) return 400;  // folding, space, CTL
    }
    std::string value = line.substr(colon + 1);
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && u != '\t') || u == 0x7f) return 400;
    }
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    const std::string lower = oracle_lower(name);
    if (lower == "content-length") {
      if (++lengths > 1 || value.empty() || value.size() > 18) return 400;
      for (const char c : value) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return 400;
      }
    } else if (lower == "host") {
      if (++hosts > 1) return 400;
    } else if (lower == "transfer-encoding") {
      te = true;
    }
  }
  if (te && (lengths > 0 || v == "HTTP/1.0")) return 400;
  return 0;
}

}  // namespace opsagent::testing
