// The URLs of [[readiness.http]] checks: http://host[:port][/path]. The loader validates them with
// parse_http_url(); the probe that calls the app parses the stored URL again to get host, port
// and path, so both sides agree on what the URL means. Plain HTTP only: the checks call the app
// in the same container or host, where TLS would add a certificate to manage and protect nothing.
// Thread-safety: pure functions; they never throw.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace opsagent::config {

struct HttpUrl {
  std::string host;         // a name, an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 80;  // 80 when the URL has none
  std::string path = "/";   // path and query as sent in the request line; "/" when the URL has none
  std::string url;  // as written, but with "http://" in lower case and "/" when it had no path
  bool operator==(const HttpUrl&) const = default;
};

// The error says what is wrong and how to write it. It never repeats the URL: a URL with a user
// name and password ("http://user:secret@host") must not put the password into logs; only the
// offending part (the scheme, the host, the port) is quoted.
std::expected<HttpUrl, std::string> parse_http_url(std::string_view text);

}  // namespace opsagent::config
