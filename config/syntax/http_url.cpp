#include "config/syntax/http_url.hpp"

#include <algorithm>

#include "config/syntax/ascii.hpp"
#include "config/syntax/host_port.hpp"
#include "config/syntax/quoting.hpp"

namespace opsagent::config {
namespace {

// What a kind of URL accepts, and how its errors are worded.
struct Rules {
  bool https = false;        // https:// is accepted too
  bool fragment = false;     // a "#fragment" is accepted (links for people), and kept in `url`
  bool quote_parts = false;  // errors may quote the scheme, host or port (never for secrets)
  std::string_view form;     // how to write it, ending every message
  bool path = true;          // a path and query are accepted (else only "/" or nothing)
};

constexpr Rules kCheckRules{
    .https = false,
    .fragment = false,
    .quote_parts = true,
    .form = "write http://host[:port][/path], e.g. \"http://127.0.0.1:8000/healthz\""};
constexpr Rules kReceiverRules{.https = true,
                               .fragment = false,
                               .quote_parts = false,
                               .form =
                                   "write https://host[:port][/path] (or http://), e.g. "
                                   "\"https://hooks.example.com/opsagent\""};
constexpr Rules kLinkRules{.https = true,
                           .fragment = true,
                           .quote_parts = false,
                           .form =
                               "write https://host[:port][/path][#section] (or http://), e.g. "
                               "\"https://wiki.example.com/runbooks/postgres\""};

constexpr Rules kAgentRules{.https = true,
                            .fragment = false,
                            .quote_parts = true,
                            .form =
                                "write http://host:port (or https://), e.g. "
                                "\"http://127.0.0.1:8080\"",
                            .path = false};

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

std::string fail(const std::string& reason, const Rules& rules) {
  return reason + "; " + std::string(rules.form);
}

// Sets out.https (and the default port that goes with it).
std::expected<void, std::string> check_scheme(std::string_view text, std::size_t sep,
                                              const Rules& rules, HttpUrl& out) {
  if (sep == std::string_view::npos || !is_scheme(text.substr(0, sep))) {
    return std::unexpected(fail(rules.https ? "missing \"https://\" or \"http://\" at the start"
                                            : "missing \"http://\" at the start",
                                rules));
  }
  std::string scheme(text.substr(0, sep));
  std::ranges::transform(scheme, scheme.begin(), lower);
  if (scheme == "http") return {};
  if (scheme == "https" && rules.https) {
    out.https = true;
    out.port = 443;
    return {};
  }
  if (scheme == "https") {
    return std::unexpected(
        "https is not supported for these local checks: the agent calls the app in its own "
        "container or host over plain HTTP, so use http:// and the app's local port, e.g. "
        "\"http://127.0.0.1:8000/healthz\"");
  }
  if (!rules.quote_parts) {
    return std::unexpected(fail("the scheme is not supported, only https and http", rules));
  }
  return std::unexpected(fail("the scheme " + in_quotes(scheme) + " is not supported, only http" +
                                  (rules.https ? " and https" : ""),
                              rules));
}

// "host", "host:port", "[v6]" or "[v6]:port"; fills host and port, or returns the reason (the
// caller adds the form to use). `quiet`: quote no part of it, because the URL is a secret (a
// receiver's) or has an "@" somewhere and a password with a "/" in it ("user:pa/ss@host") would
// end the authority early and show up as the host or port.
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

// The request target goes into the request line as it is, so it must already be encoded. With
// rules.fragment, a "#" ends the path and what follows obeys the same rules (it is never sent).
std::expected<void, std::string> check_path(std::string_view path, const Rules& rules) {
  bool in_fragment = false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto u = static_cast<unsigned char>(path[i]);
    if (path[i] == '#' && !rules.fragment) {
      return std::unexpected(
          fail("a fragment (\"#...\") is never sent to the server; remove it", rules));
    }
    if (path[i] == '#' && !in_fragment) {
      in_fragment = true;
      continue;
    }
    const std::string_view part = in_fragment ? "the fragment" : "the path";
    if (u <= 0x20 || u >= 0x7f) {
      return std::unexpected(fail(std::string(part) +
                                      " has a space, control or non-ASCII character at "
                                      "position " +
                                      std::to_string(i + 1) +
                                      "; percent-encode it (a space is %20)",
                                  rules));
    }
    if (path[i] == '%' && (i + 2 >= path.size() || !is_hex(path[i + 1]) || !is_hex(path[i + 2]))) {
      return std::unexpected(fail(
          "\"%\" in " + std::string(part) + " must start an escape of two hex digits, like %20",
          rules));
    }
  }
  return {};
}

std::expected<HttpUrl, std::string> parse_url(std::string_view text, const Rules& rules) {
  if (text.empty()) return std::unexpected(fail("the URL is empty", rules));
  HttpUrl out;
  const std::size_t sep = text.find("://");
  if (auto ok = check_scheme(text, sep, rules, out); !ok) return std::unexpected(ok.error());
  const std::size_t start = sep + 3;
  const std::size_t end = std::min(text.find_first_of("/?#", start), text.size());
  const bool has_at = text.find('@') != std::string_view::npos;
  const std::string_view authority = text.substr(start, end - start);
  if (auto ok = parse_authority(authority, has_at || !rules.quote_parts, out); !ok) {
    // An "@" after the authority may still have been meant as the end of a user:password.
    const bool userinfo_hint = has_at && authority.find('@') == std::string_view::npos;
    return std::unexpected(
        fail(ok.error() + (userinfo_hint ? " (if the \"@\" in the URL ends a user name or "
                                           "password, remove them: they are not allowed)"
                                         : ""),
             rules));
  }
  const std::string_view rest = text.substr(end);
  if (!rules.path && rest.find_first_not_of('/') != std::string_view::npos) {
    return std::unexpected(fail(
        "a path, query or fragment is not allowed: give the agent's base URL (the command adds "
        "the endpoint itself)",
        rules));
  }
  if (auto ok = check_path(rest, rules); !ok) return std::unexpected(ok.error());
  const std::string_view target = rest.substr(0, std::min(rest.find('#'), rest.size()));
  const std::string_view fragment = rest.substr(target.size());
  // "http://host?x" asks for "/?x": the request target always starts with "/".
  // Not "/" + std::string(target): g++ 12 at -O3 reports a false -Wrestrict for a one-character
  // literal prepended to a temporary string.
  out.path = target.starts_with('/') ? std::string(target) : std::string("/").append(target);
  // The scheme in lower case: HTTP clients (cpp-httplib among them) may not accept "HTTP://".
  out.url = (out.https ? "https://" : "http://") + std::string(authority) + out.path +
            std::string(fragment);
  return out;
}

}  // namespace

std::expected<HttpUrl, std::string> parse_http_url(std::string_view text) {
  return parse_url(text, kCheckRules);
}

std::expected<HttpUrl, std::string> parse_receiver_url(std::string_view text) {
  return parse_url(text, kReceiverRules);
}

std::expected<HttpUrl, std::string> parse_link_url(std::string_view text) {
  return parse_url(text, kLinkRules);
}

std::expected<HttpUrl, std::string> parse_agent_url(std::string_view text) {
  return parse_url(text, kAgentRules);
}

}  // namespace opsagent::config
