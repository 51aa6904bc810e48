#include "config/http_url.hpp"

#include <algorithm>

#include "config/values.hpp"

namespace opsagent::config {
namespace {

constexpr std::string_view kForm =
    "write http://host[:port][/path], e.g. \"http://127.0.0.1:8000/healthz\"";

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f');
}

// RFC 3986: a letter, then letters, digits, '+', '-' and '.'. Anything else before "://" means
// the scheme was left out and the "://" belongs to something later (a query, say).
bool is_scheme(std::string_view s) {
  const auto alpha = [](char c) { return lower(c) >= 'a' && lower(c) <= 'z'; };
  return !s.empty() && alpha(s.front()) && std::ranges::all_of(s, [&](char c) {
    return alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  });
}

std::string fail(std::string reason) {
  return reason + "; " + std::string(kForm);
}

std::expected<void, std::string> check_scheme(std::string_view text, std::size_t sep) {
  if (sep == std::string_view::npos || !is_scheme(text.substr(0, sep))) {
    return std::unexpected(fail("missing \"http://\" at the start"));
  }
  std::string scheme(text.substr(0, sep));
  std::ranges::transform(scheme, scheme.begin(), lower);
  if (scheme == "http") return {};
  if (scheme == "https") {
    return std::unexpected(
        "https is not supported for these local checks: the agent calls the app in its own "
        "container or host over plain HTTP, so use http:// and the app's local port, e.g. "
        "\"http://127.0.0.1:8000/healthz\"");
  }
  return std::unexpected(fail("the scheme " + in_quotes(scheme) + " is not supported, only http"));
}

// "host", "host:port", "[v6]" or "[v6]:port"; fills host and port, or returns the reason (the
// caller adds the form to use). `quiet`: quote no part of it, because the URL has an "@"
// somewhere and a password with a "/" in it ("user:pa/ss@host") would end the authority early
// and show up as the host or port.
std::expected<void, std::string> parse_authority(std::string_view authority, bool quiet,
                                                 HttpUrl& out) {
  const auto quoted = [quiet](std::string_view part, std::string_view what) {
    return quiet ? "the " + std::string(what) : in_quotes(part);
  };
  // Checked before anything that quotes a part of the authority, which would show the password.
  if (authority.find('@') != std::string_view::npos) {
    return std::unexpected(
        "a user name or password (\"user:password@\" before the host) is not allowed; remove "
        "it (it is not repeated here, as it may be a secret)");
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::unexpected("missing \"]\" after the IPv6 address");
    }
    host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      return std::unexpected("expected \":port\" or the path after \"]\"");
    }
    has_port = !rest.empty();
    if (has_port) port = rest.substr(1);
    if (host.empty()) return std::unexpected("missing host");
    if (!is_ipv6(host)) return std::unexpected(quoted(host, "host") + " is not an IPv6 address");
  } else {
    const std::size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      if (authority.find(':', colon + 1) != std::string_view::npos) {
        return std::unexpected(
            "an IPv6 address needs brackets, e.g. \"http://[::1]:8000/healthz\"");
      }
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return std::unexpected("missing host");
    // All digits and dots can only be meant as an IPv4 address, so judge it as one.
    const bool numeric =
        std::ranges::all_of(host, [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    if (numeric && !is_ipv4(host)) {
      return std::unexpected(quoted(host, "host") + " is not an IPv4 address");
    }
    if (!numeric && !is_host_name(host)) {
      return std::unexpected(quoted(host, "host") +
                             " is not a host name (letters, digits and '-', separated by "
                             "dots)");
    }
  }
  out.host = std::string(host);
  if (!has_port) return {};
  if (port.empty()) return std::unexpected("missing port after \":\"");
  auto parsed = parse_port(port);
  if (!parsed) {
    return std::unexpected(quiet ? "the port is not a number from 1 to 65535" : parsed.error());
  }
  out.port = *parsed;
  return {};
}

// The request target goes into the request line as it is, so it must already be encoded.
std::expected<void, std::string> check_path(std::string_view path) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto u = static_cast<unsigned char>(path[i]);
    if (path[i] == '#') {
      return std::unexpected(fail("a fragment (\"#...\") is never sent to the server; remove it"));
    }
    if (u <= 0x20 || u >= 0x7f) {
      return std::unexpected(
          fail("the path has a space, control or non-ASCII character at "
               "position " +
               std::to_string(i + 1) + "; percent-encode it (a space is %20)"));
    }
    if (path[i] == '%' && (i + 2 >= path.size() || !is_hex(path[i + 1]) || !is_hex(path[i + 2]))) {
      return std::unexpected(
          fail("\"%\" in the path must start an escape of two hex digits, like %20"));
    }
  }
  return {};
}

}  // namespace

std::expected<HttpUrl, std::string> parse_http_url(std::string_view text) {
  if (text.empty()) return std::unexpected(fail("the URL is empty"));
  const std::size_t sep = text.find("://");
  if (auto ok = check_scheme(text, sep); !ok) return std::unexpected(ok.error());
  const std::size_t start = sep + 3;
  const std::size_t end = std::min(text.find_first_of("/?#", start), text.size());
  HttpUrl out;
  const bool quiet = text.find('@') != std::string_view::npos;
  const std::string_view authority = text.substr(start, end - start);
  if (auto ok = parse_authority(authority, quiet, out); !ok) {
    // An "@" after the authority may still have been meant as the end of a user:password.
    const bool userinfo_hint = quiet && authority.find('@') == std::string_view::npos;
    return std::unexpected(
        fail(ok.error() + (userinfo_hint ? " (if the \"@\" in the URL ends a user name or "
                                           "password, remove them: they are not allowed)"
                                         : "")));
  }
  const std::string_view rest = text.substr(end);
  if (auto ok = check_path(rest); !ok) return std::unexpected(ok.error());
  // "http://host?x" asks for "/?x": the request target always starts with "/".
  out.path = rest.starts_with('/') ? std::string(rest) : "/" + std::string(rest);
  // The scheme in lower case: HTTP clients (cpp-httplib among them) may not accept "HTTP://".
  out.url = "http://" + std::string(authority) + out.path;
  return out;
}

}  // namespace opsagent::config
