// The URLs of [[readiness.http]] checks: http://host[:port][/path]. The loader validates them with
// parse_http_url(); the probe that calls the app parses the stored URL again to get host, port
// and path, so both sides agree on what the URL means. Plain HTTP only: the checks call the app
// in the same container or host, where TLS would add a certificate to manage and protect nothing.
// The URLs alerts are sent to ([[alerts.receivers]] url) go over the network, so they may also be
// https: parse_receiver_url(); the sender parses the stored URL again the same way.
// Thread-safety: pure functions; they never throw.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace opsagent::config {

struct HttpUrl {
  std::string host;         // a name, an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 80;  // 80 when the URL has none (443 with https)
  std::string path = "/";   // path and query as sent in the request line; "/" when the URL has none
  // As written, but with the scheme in lower case and "/" when it had no path.
  std::string url;
  bool https = false;  // only parse_receiver_url() accepts https
  bool operator==(const HttpUrl&) const = default;
};

// The error says what is wrong and how to write it. It never repeats the URL: a URL with a user
// name and password ("http://user:secret@host") must not put the password into logs; only the
// offending part (the scheme, the host, the port) is quoted.
std::expected<HttpUrl, std::string> parse_http_url(std::string_view text);

// http:// or https://host[:port][/path][?query]: where alert notifications are sent. Paths and
// queries are accepted (Slack and webhook URLs carry their token there); a user name or password
// and a fragment are not. As such URLs are secrets, the error quotes no part of the URL at all,
// not even the scheme, host or port: it names the part that is wrong and says how to write it.
std::expected<HttpUrl, std::string> parse_receiver_url(std::string_view text);

// A link for people (alerts.runbook_url): like parse_receiver_url(), but a fragment ("#section")
// is allowed, as links to one section of a runbook page use one. It is kept in `url`, not `path`.
std::expected<HttpUrl, std::string> parse_link_url(std::string_view text);

// A running agent's base URL (`opsagent status --url`): http:// or https://host[:port], nothing
// after the authority but "/". The error quotes the scheme, host or port that is wrong, never a
// user name or password.
std::expected<HttpUrl, std::string> parse_agent_url(std::string_view text);

}  // namespace opsagent::config
