#include "config/syntax/host_port.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "config/syntax/ascii.hpp"
#include "config/syntax/quoting.hpp"

namespace opsagent::config {
namespace {

std::expected<void, std::string> check_host(const std::string& host, bool bracketed) {
  if (host.empty()) {
    return std::unexpected("missing host; use \"0.0.0.0:PORT\" to listen on all interfaces");
  }
  if (bracketed) {
    if (is_ipv6(host)) return {};
    return std::unexpected(in_quotes(host) + " is not an IPv6 address");
  }
  if (host.find(':') != std::string::npos) {
    return std::unexpected("an IPv6 address needs brackets, e.g. \"[::]:8080\" or \"[::1]:8080\"");
  }
  // All digits and dots can only be meant as an IPv4 address, so judge it as one.
  if (std::ranges::all_of(host, [](char c) { return is_digit(c) || c == '.'; })) {
    if (is_ipv4(host)) return {};
    return std::unexpected(in_quotes(host) + " is not an IPv4 address");
  }
  if (is_host_name(host)) return {};
  return std::unexpected(in_quotes(host) +
                         " is not a host name (letters, digits and '-', separated by dots)");
}

}  // namespace

bool is_ipv4(std::string_view host) {
  unsigned char buf[4];
  return inet_pton(AF_INET, std::string(host).c_str(), buf) == 1;
}

bool is_ipv6(std::string_view host) {
  unsigned char buf[16];
  return inet_pton(AF_INET6, std::string(host).c_str(), buf) == 1;
}

// Labels may not start or end with '-'; each is at most 63 characters, 253 in all.
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t end = host.find('.', start);
    if (end == std::string_view::npos) end = host.size();
    const std::string_view label = host.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    if (!std::ranges::all_of(label,
                             [](char c) { return is_alpha(c) || is_digit(c) || c == '-'; })) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

std::expected<std::uint16_t, std::string> parse_port(std::string_view text) {
  constexpr std::string_view kUse = "use an integer from 1 to 65535";
  if (text.empty()) return std::unexpected("missing port; " + std::string(kUse));
  if (!std::ranges::all_of(text, is_digit) || text.size() > 5) {
    return std::unexpected(in_quotes(text) + " is not a port number; " + std::string(kUse));
  }
  const unsigned long value = std::stoul(std::string(text));
  if (value < 1 || value > 65535) {
    return std::unexpected("port " + std::string(text) + " is out of range; " + std::string(kUse));
  }
  return static_cast<std::uint16_t>(value);
}

std::expected<ListenAddress, std::string> parse_listen(std::string_view text) {
  const bool bracketed = !text.empty() && text.front() == '[';
  std::size_t host_end = 0;  // one past the host, brackets included
  if (bracketed) {
    host_end = text.find(']');
    if (host_end == std::string_view::npos)
      return std::unexpected("missing \"]\" after the IPv6 address");
    ++host_end;
  } else {
    host_end = text.rfind(':');
    if (host_end == std::string_view::npos) host_end = text.size();
  }
  if (host_end == text.size() || text[host_end] != ':') {
    return std::unexpected("missing port; write \"host:port\", e.g. \"0.0.0.0:8080\"");
  }
  ListenAddress out;
  out.host =
      bracketed ? std::string(text.substr(1, host_end - 2)) : std::string(text.substr(0, host_end));
  if (auto host = check_host(out.host, bracketed); !host) return std::unexpected(host.error());
  auto port = parse_port(text.substr(host_end + 1));
  if (!port) return std::unexpected(port.error());
  out.port = *port;
  return out;
}

}  // namespace opsagent::config
