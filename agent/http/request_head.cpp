#include "agent/http/request_head.hpp"

#include <algorithm>

namespace opsagent::http {

namespace {

constexpr std::string_view kCrlf = "\r\n";
// More digits than this cannot be a length the agent would ever read (and could overflow).
constexpr std::size_t kMaxLengthDigits = 18;

// RFC 9110 5.6.2: the characters of a token (method, field name).
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, is_tchar);
}

// RFC 9110 5.5: field-vchar, SP and HTAB; everything else below 0x20 and DEL is refused.
bool is_field_value_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool equals_lower(std::string_view text, std::string_view lower) {
  return text.size() == lower.size() &&
         std::equal(text.begin(), text.end(), lower.begin(), [](char a, char b) {
           return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
         });
}

std::string_view trim_ows(std::string_view v) {
  while (!v.empty() && is_ows(v.front())) v.remove_prefix(1);
  while (!v.empty() && is_ows(v.back())) v.remove_suffix(1);
  return v;
}

std::unexpected<HeadError> bad(std::string_view message) {
  return std::unexpected(HeadError{400, message});
}

}  // namespace

HeadState scan_request_head(std::string_view buffered, std::size_t max_head) {
  // A head ends at the first empty CRLF line, as cpp-httplib reads it. Anything malformed
  // before it is refused by parse_request_head once the head is complete.
  const auto end = buffered.find("\r\n\r\n");
  if (end != std::string_view::npos && end + 4 <= max_head) return HeadState::kComplete;
  if (buffered.size() >= max_head) return HeadState::kTooLarge;
  return HeadState::kIncomplete;
}

std::expected<RequestHead, HeadError> parse_request_head(std::string_view buffered) {
  const auto end = buffered.find("\r\n\r\n");
  if (end == std::string_view::npos) return bad("incomplete request head");
  RequestHead r;
  r.size = end + 4;
  const std::string_view head = buffered.substr(0, end + 2);  // every line ends with CRLF

  // Request line: exactly two single spaces, nothing but visible ASCII in the target.
  const auto line_end = head.find(kCrlf);
  const std::string_view line = head.substr(0, line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return bad("malformed request line");
  }
  r.method = line.substr(0, sp1);
  r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  r.version = line.substr(sp2 + 1);
  if (!is_token(r.method) || r.target.empty() ||
      !std::ranges::all_of(r.target, [](char c) { return c > 0x20 && c < 0x7f; })) {
    return bad("malformed request line");
  }
  if (r.version.size() != 8 || !r.version.starts_with("HTTP/") || !is_digit(r.version[5]) ||
      r.version[6] != '.' || !is_digit(r.version[7])) {
    return bad("malformed request line");
  }
  if (r.version != "HTTP/1.1" && r.version != "HTTP/1.0") {
    return std::unexpected(HeadError{505, "only HTTP/1.1 and HTTP/1.0 are served"});
  }

  bool host_seen = false;
  for (std::size_t pos = line_end + kCrlf.size(); pos < head.size();) {
    const auto eol = head.find(kCrlf, pos);
    const std::string_view field = head.substr(pos, eol - pos);
    pos = eol + kCrlf.size();
    if (is_ows(field.front())) return bad("obsolete line folding in a header");
    const auto colon = field.find(':');
    if (colon == std::string_view::npos) return bad("a header line without a colon");
    const std::string_view name = field.substr(0, colon);
    if (!name.empty() && is_ows(name.back())) return bad("whitespace before a header's colon");
    if (!is_token(name)) return bad("malformed header name");
    const std::string_view raw = field.substr(colon + 1);
    if (!std::ranges::all_of(raw, is_field_value_char)) {
      return bad("a control character in a header value");
    }
    const std::string_view value = trim_ows(raw);

    if (equals_lower(name, "content-length")) {
      if (r.content_length) return bad("Content-Length repeated");
      if (value.empty() || value.size() > kMaxLengthDigits ||
          !std::ranges::all_of(value, is_digit)) {
        return bad("Content-Length is not a number");
      }
      std::uint64_t n = 0;
      for (const char c : value) n = n * 10 + static_cast<std::uint64_t>(c - '0');
      r.content_length = n;
    } else if (equals_lower(name, "transfer-encoding")) {
      r.transfer_encoding = true;
    } else if (equals_lower(name, "host")) {
      if (host_seen) return bad("Host repeated");
      host_seen = true;
    } else if (equals_lower(name, "range")) {
      r.range = true;
    }
  }
  if (r.transfer_encoding && r.content_length) {
    return bad("Transfer-Encoding with Content-Length");
  }
  if (r.transfer_encoding && r.version == "HTTP/1.0") {
    return bad("Transfer-Encoding in an HTTP/1.0 request");
  }
  return r;
}

}  // namespace opsagent::http
