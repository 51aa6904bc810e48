#include "config/values.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <vector>

namespace opsagent::config {
namespace {

constexpr std::size_t kMaxIdentifierBytes = 63;  // NAMEDATALEN - 1; longer names are truncated
constexpr std::size_t kMaxApplicationName = 63;  // same limit for application_name
constexpr std::size_t kMaxQuoted = 64;

constexpr std::array<std::string_view, 7> kLogLevels{"trace", "debug",    "info", "warn",
                                                     "error", "critical", "off"};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_word(char c) {
  return is_alpha(c) || is_digit(c) || c == '_';
}
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), lower);
  return out;
}

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

// The kind of token that starts a marker query, for the read-only guard.
bool starts_read_only(std::string_view sql) {
  if (!sql.empty() && sql.front() == '(') return true;
  std::size_t n = 0;
  while (n < sql.size() && is_word(sql[n])) ++n;
  const std::string word = to_lower(sql.substr(0, n));
  return word == "select" || word == "with" || word == "values";
}

// Scanning position in a SQL string; npos after an unterminated quote or comment.
constexpr std::size_t kUnterminated = std::string_view::npos;

std::size_t skip_quoted(std::string_view sql, std::size_t i, char quote) {
  for (++i; i < sql.size(); ++i) {
    if (sql[i] != quote) continue;
    if (i + 1 < sql.size() && sql[i + 1] == quote) {
      ++i;  // doubled quote stands for itself
      continue;
    }
    return i + 1;
  }
  return kUnterminated;
}

std::size_t skip_block_comment(std::string_view sql, std::size_t i) {
  int depth = 0;  // Postgres block comments nest
  while (i + 1 < sql.size()) {
    if (sql[i] == '/' && sql[i + 1] == '*') {
      ++depth;
      i += 2;
    } else if (sql[i] == '*' && sql[i + 1] == '/') {
      i += 2;
      if (--depth == 0) return i;
    } else {
      ++i;
    }
  }
  return kUnterminated;
}

// `$tag$ ... $tag$`; returns i unchanged when the '$' does not open a dollar quote (e.g. "$1").
std::size_t skip_dollar_quoted(std::string_view sql, std::size_t i) {
  if (i > 0 && (is_word(sql[i - 1]) || sql[i - 1] == '$')) return i;
  std::size_t end = i + 1;
  while (end < sql.size() && is_word(sql[end]) && !(end == i + 1 && is_digit(sql[end]))) ++end;
  if (end >= sql.size() || sql[end] != '$') return i;
  const std::string_view tag = sql.substr(i, end - i + 1);
  const std::size_t close = sql.find(tag, end + 1);
  return close == std::string_view::npos ? kUnterminated : close + tag.size();
}

// Skips one token-level construct that may hide a ';' (quotes, comments); returns i + 1 for an
// ordinary character.
std::size_t skip_one(std::string_view sql, std::size_t i) {
  const char c = sql[i];
  const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
  if (c == '\'' || c == '"') return skip_quoted(sql, i, c);
  if (c == '-' && next == '-') {
    const std::size_t eol = sql.find('\n', i);
    return eol == std::string_view::npos ? sql.size() : eol + 1;
  }
  if (c == '/' && next == '*') return skip_block_comment(sql, i);
  if (c == '$') {
    const std::size_t after = skip_dollar_quoted(sql, i);
    if (after != i) return after;
  }
  return i + 1;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Position of the first character that is neither white space nor inside a comment.
std::size_t skip_space_and_comments(std::string_view sql, std::size_t i) {
  while (i < sql.size()) {
    if (is_space(sql[i])) {
      ++i;
      continue;
    }
    const bool comment = sql.substr(i, 2) == "--" || sql.substr(i, 2) == "/*";
    if (!comment) return i;
    i = skip_one(sql, i);
    if (i == kUnterminated) return kUnterminated;
  }
  return i;
}

std::string choices(std::span<const std::string_view> options) {
  std::string out;
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (i > 0) out += (i + 1 == options.size()) ? " or " : ", ";
    out += options[i];
  }
  return out;
}

// " (did you mean "info"?)" when `text` is a near miss, including a case slip like "INFO".
std::string choice_hint(std::string_view text, std::span<const std::string_view> options) {
  const std::string folded = to_lower(text);
  if (auto near = closest(folded, options)) return " (did you mean " + in_quotes(*near) + "?)";
  return {};
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

std::expected<std::string, std::string> parse_identifier(std::string_view text) {
  constexpr std::string_view kRule =
      "; an unquoted identifier has letters, digits, _ and $ and does not start with a digit "
      "(quoted identifiers are not supported)";
  if (text.empty()) return std::unexpected("the name is empty");
  if (is_digit(text.front())) {
    return std::unexpected(in_quotes(text) + " starts with a digit" + std::string(kRule));
  }
  const auto bad = std::ranges::find_if(text, [](char c) { return !is_word(c) && c != '$'; });
  if (bad != text.end()) {
    return std::unexpected(in_quotes(text) + " contains " + in_quotes(std::string_view(&*bad, 1)) +
                           std::string(kRule));
  }
  if (text.front() == '$') {
    return std::unexpected(in_quotes(text) + " starts with \"$\"" + std::string(kRule));
  }
  if (text.size() > kMaxIdentifierBytes) {
    return std::unexpected(in_quotes(text) + " is " + std::to_string(text.size()) +
                           " bytes long; Postgres names are at most 63 bytes");
  }
  return to_lower(text);
}

std::expected<TableName, std::string> parse_table_name(std::string_view text) {
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) {
    auto table = parse_identifier(text);
    if (!table) return std::unexpected(table.error());
    return TableName{.schema = {}, .table = std::move(*table)};
  }
  if (text.find('.', dot + 1) != std::string_view::npos) {
    return std::unexpected("too many \".\"; write \"table\" or \"schema.table\"");
  }
  auto schema = parse_identifier(text.substr(0, dot));
  if (!schema) return std::unexpected(schema.error());
  auto table = parse_identifier(text.substr(dot + 1));
  if (!table) return std::unexpected(table.error());
  return TableName{.schema = std::move(*schema), .table = std::move(*table)};
}

bool is_env_name(std::string_view text) {
  return !text.empty() && !is_digit(text.front()) && std::ranges::all_of(text, is_word);
}

std::expected<void, std::string> check_application_name(std::string_view text) {
  constexpr std::string_view kRule = "; use 1 to 63 printable ASCII characters";
  if (text.empty()) return std::unexpected("is empty" + std::string(kRule));
  if (text.size() > kMaxApplicationName) {
    return std::unexpected("is " + std::to_string(text.size()) + " characters long" +
                           std::string(kRule));
  }
  const auto bad = std::ranges::find_if(text, [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u > 0x7e;
  });
  if (bad != text.end()) {
    return std::unexpected("has a non-printable or non-ASCII character at position " +
                           std::to_string(bad - text.begin() + 1) + std::string(kRule));
  }
  return {};
}

std::expected<void, std::string> check_query(std::string_view sql) {
  std::size_t i = skip_space_and_comments(sql, 0);
  if (i == kUnterminated) return std::unexpected("has an unterminated comment");
  if (i == sql.size()) {
    return std::unexpected(
        "is empty; write one read-only statement returning a boolean, e.g. "
        "\"SELECT count(*) > 0 FROM alembic_version\"");
  }
  if (!starts_read_only(sql.substr(i))) {
    return std::unexpected(
        "must be a read-only query starting with SELECT, WITH or VALUES that returns one "
        "boolean");
  }
  while (i < sql.size() && sql[i] != ';') {
    i = skip_one(sql, i);
    if (i == kUnterminated) return std::unexpected("has an unterminated quote or comment");
  }
  if (i < sql.size()) {
    const std::size_t rest = skip_space_and_comments(sql, i + 1);
    if (rest != sql.size()) {
      return std::unexpected(
          "must be a single statement; remove everything after the \";\" (use one marker per "
          "check)");
    }
  }
  return {};
}

std::expected<std::string, std::string> parse_log_level(std::string_view text) {
  if (std::ranges::find(kLogLevels, text) != kLogLevels.end()) return std::string(text);
  return std::unexpected(in_quotes(text) + " is not a log level; use " + choices(kLogLevels) +
                         choice_hint(text, kLogLevels));
}

std::expected<LogSection::Format, std::string> parse_log_format(std::string_view text) {
  constexpr std::array<std::string_view, 2> kFormats{"text", "json"};
  if (text == "text") return LogSection::Format::text;
  if (text == "json") return LogSection::Format::json;
  return std::unexpected(in_quotes(text) + " is not a log format; use text or json" +
                         choice_hint(text, kFormats));
}

std::expected<int, std::string> parse_draining_seconds(std::string_view text) {
  const std::string use = "; use a whole number of seconds from 0 to " +
                          std::to_string(kMaxDrainingSeconds) +
                          " (Railway's time from SIGTERM to SIGKILL)";
  const bool digits = !text.empty() && std::ranges::all_of(text, is_digit);
  if (!digits) {
    const bool negative =
        text.size() > 1 && text.front() == '-' && std::ranges::all_of(text.substr(1), is_digit);
    return std::unexpected(in_quotes(text) + (negative ? " is negative" : " is not a number") +
                           use);
  }
  // Compared as text first, so that a long run of digits cannot overflow.
  const std::size_t significant = text.size() - std::min(text.find_first_not_of('0'), text.size());
  if (significant > 4 || std::stoi(std::string(text)) > kMaxDrainingSeconds) {
    return std::unexpected(in_quotes(text) + " is out of range" + use);
  }
  return std::stoi(std::string(text));
}

std::expected<SuperviseSection::OnExit, std::string> parse_on_exit(std::string_view text) {
  constexpr std::array<std::string_view, 2> kActions{"exit", "restart"};
  if (text == "exit") return SuperviseSection::OnExit::exit;
  if (text == "restart") return SuperviseSection::OnExit::restart;
  return std::unexpected(in_quotes(text) +
                         " is not an on_exit action; use exit (the agent exits with the app's "
                         "status) or restart (the agent starts the app again)" +
                         choice_hint(text, kActions));
}

std::expected<ReadinessSection::Pressure, std::string> parse_on_pressure(std::string_view text) {
  constexpr std::array<std::string_view, 2> kRules{"warn", "not_ready"};
  if (text == "warn") return ReadinessSection::Pressure::warn;
  if (text == "not_ready") return ReadinessSection::Pressure::not_ready;
  return std::unexpected(in_quotes(text) +
                         " is not a pressure rule; use warn (a full database or pooler warns and "
                         "alerts, readiness stays) or not_ready (it makes the agent not ready)" +
                         choice_hint(text, kRules));
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates) {
  constexpr std::size_t kMaxDistance = 2;
  std::optional<std::string_view> best;
  std::size_t best_distance = kMaxDistance + 1;
  for (std::string_view candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance && d < word.size()) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::string display_key(std::string_view name) {
  const bool bare =
      !name.empty() && std::ranges::all_of(name, [](char c) { return is_word(c) || c == '-'; });
  return bare ? std::string(name) : in_quotes(name);
}

std::string in_quotes(std::string_view text) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  const std::string_view shown = text.substr(0, kMaxQuoted);
  for (char c : shown) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  if (shown.size() < text.size()) out += "...";
  out += '"';
  return out;
}

}  // namespace opsagent::config
