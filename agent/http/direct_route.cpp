#include "agent/http/direct_route.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>

namespace opsagent::http {

namespace {

constexpr std::string_view kCrlf = "\r\n";
// Longer header lines are left to cpp-httplib, which has its own limit.
constexpr std::size_t kMaxLine = 4096;

bool equals_lower(std::string_view text, std::string_view lower) {
  return text.size() == lower.size() &&
         std::equal(text.begin(), text.end(), lower.begin(), [](char a, char b) {
           return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
         });
}

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Printable ASCII and spaces only; '%' is out too, because cpp-httplib 0.11 percent-decodes
// header values and paths, which would make its view of the request differ from this one.
bool is_plain_value_char(char c) {
  return (c >= 0x20 && c < 0x7f && c != '%') || c == '\t';
}

bool is_space_or_tab(char c) {
  return c == ' ' || c == '\t';
}

// Headers that leave the answer's bytes alone (the direct handlers read only Authorization;
// Connection decides the framing). Any other header sends the request to cpp-httplib.
enum class Known { kHost, kUserAgent, kAccept, kConnection, kAuthorization, kCount };
constexpr std::array<std::string_view, static_cast<std::size_t>(Known::kCount)> kKnownNames{
    "host", "user-agent", "accept", "connection", "authorization"};

std::optional<Known> known_header(std::string_view name) {
  for (std::size_t i = 0; i < kKnownNames.size(); ++i) {
    if (equals_lower(name, kKnownNames[i])) return static_cast<Known>(i);
  }
  return std::nullopt;
}

struct Status {
  int code;
  std::string_view line;  // cpp-httplib 0.11's reason phrase
};
constexpr std::array<Status, 2> kStatuses{
    {{200, "HTTP/1.1 200 OK\r\n"}, {503, "HTTP/1.1 503 Service Unavailable\r\n"}}};

void append_number(std::string& out, std::size_t n) {
  std::array<char, 24> digits{};
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), n).ptr;
  out.append(digits.data(), end);
}

}  // namespace

std::optional<DirectRequest> parse_direct_request(std::string_view head) {
  const auto line_end = head.find(kCrlf);
  if (line_end > kMaxLine) return std::nullopt;  // npos (no line end) included
  std::string_view line = head.substr(0, line_end);

  DirectRequest r;
  if (line.starts_with("GET ")) {
    line.remove_prefix(4);
  } else if (line.starts_with("HEAD ")) {
    r.head = true;
    line.remove_prefix(5);
  } else {
    return std::nullopt;
  }
  constexpr std::string_view kVersion = " HTTP/1.1";
  if (!line.ends_with(kVersion)) return std::nullopt;
  r.path = line.substr(0, line.size() - kVersion.size());
  if (r.path.empty() || r.path.front() != '/' ||
      !std::all_of(r.path.begin(), r.path.end(), [](char c) {
        return c > 0x20 && c < 0x7f && c != '%' && c != '?' && c != '#';
      })) {
    return std::nullopt;
  }

  std::array<bool, static_cast<std::size_t>(Known::kCount)> seen{};
  std::size_t pos = line_end + kCrlf.size();
  for (;;) {
    const auto end = head.find(kCrlf, pos);
    if (end == std::string_view::npos || end - pos > kMaxLine) return std::nullopt;
    const std::string_view header = head.substr(pos, end - pos);
    pos = end + kCrlf.size();
    if (header.empty()) break;  // the blank line ending the head

    const auto colon = header.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    const std::string_view name = header.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_token_char)) return std::nullopt;
    std::string_view value = header.substr(colon + 1);
    if (!std::all_of(value.begin(), value.end(), is_plain_value_char)) return std::nullopt;
    while (!value.empty() && is_space_or_tab(value.front())) value.remove_prefix(1);
    while (!value.empty() && is_space_or_tab(value.back())) value.remove_suffix(1);
    if (value.empty()) return std::nullopt;  // cpp-httplib refuses an empty header value

    const auto known = known_header(name);
    if (!known) return std::nullopt;
    const auto index = static_cast<std::size_t>(*known);
    if (seen[index]) return std::nullopt;  // which of two values counts is cpp-httplib's call
    seen[index] = true;
    if (*known == Known::kConnection) r.client_closes = value == "close";
    if (*known == Known::kAuthorization) r.authorization = value;
  }
  r.head_size = pos;
  return r;
}

bool direct_status_supported(int status) {
  return std::any_of(kStatuses.begin(), kStatuses.end(),
                     [status](const Status& s) { return s.code == status; });
}

void write_direct_response(const DirectAnswer& answer, const ResponseFraming& framing,
                           std::string& out) {
  const auto status = std::find_if(kStatuses.begin(), kStatuses.end(),
                                   [&](const Status& s) { return s.code == answer.status; });
  if (status == kStatuses.end()) {
    throw std::invalid_argument("write_direct_response: unsupported status " +
                                std::to_string(answer.status));
  }
  out.clear();
  out.append(status->line);
  // cpp-httplib keeps headers in a case-insensitively ordered map and writes them in order.
  if (framing.head) out.append("Accept-Ranges: bytes\r\n");
  out.append("Cache-Control: no-store\r\n");
  if (framing.close) out.append("Connection: close\r\n");
  out.append("Content-Length: ");
  append_number(out, answer.body.size());
  out.append("\r\nContent-Type: ").append(answer.content_type).append(kCrlf);
  if (!framing.close) {
    out.append("Keep-Alive: timeout=");
    append_number(out, static_cast<std::size_t>(std::max(0L, framing.keep_alive_timeout_sec)));
    out.append(", max=");
    append_number(out, framing.keep_alive_max);
    out.append(kCrlf);
  }
  out.append(kCrlf);
  if (!framing.head) out.append(answer.body);
}

}  // namespace opsagent::http
