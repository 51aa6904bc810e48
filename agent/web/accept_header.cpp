#include "agent/web/accept_header.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace opsagent::web {

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// q of one media range's parameters ("q=0.8"); a malformed q counts as 0 (not acceptable).
double quality(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    const std::string_view p = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    if (p.size() < 2 || !iequals(p.substr(0, 2), "q=")) continue;
    double q = 0;
    const auto v = p.substr(2);
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), q);
    return ec == std::errc{} && ptr == v.data() + v.size() ? std::clamp(q, 0.0, 1.0) : 0.0;
  }
  return 1.0;
}

}  // namespace

bool wants_html(std::string_view accept) {
  double html = -1, plain = -1;
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    const std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    const auto semi = range.find(';');
    const std::string_view type = trim(range.substr(0, semi));
    const double q = semi == std::string_view::npos ? 1.0 : quality(range.substr(semi + 1));
    // Browsers that list application/xhtml+xml want a page just as much.
    if (iequals(type, "text/html") || iequals(type, "application/xhtml+xml")) {
      html = std::max(html, q);
    } else if (iequals(type, "text/plain")) {
      plain = std::max(plain, q);
    }
  }
  return html > 0 && html >= plain;
}

}  // namespace opsagent::web
