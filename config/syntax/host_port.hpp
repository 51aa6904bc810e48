// Host and port syntax: the listen address, the PORT variable, and the hosts of check URLs.
// Each check returns the reason a value is wrong, not mentioning the key: the loader adds it.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace opsagent::config {

struct ListenAddress {
  std::string host;  // without IPv6 brackets
  std::uint16_t port = 0;
};

// "host:port"; host is an IPv4 address, a DNS name, or a bracketed IPv6 address ("[::]:8080").
std::expected<ListenAddress, std::string> parse_listen(std::string_view text);

// A TCP port: decimal digits only, 1..65535.
std::expected<std::uint16_t, std::string> parse_port(std::string_view text);

// Host syntax, shared by listen addresses and the URLs of HTTP checks. `host` is without IPv6
// brackets. is_host_name: RFC 1123 labels of letters, digits and '-', separated by dots.
bool is_ipv4(std::string_view host);
bool is_ipv6(std::string_view host);
bool is_host_name(std::string_view host);

}  // namespace opsagent::config
