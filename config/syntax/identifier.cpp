#include "config/syntax/identifier.hpp"

#include <algorithm>

#include "config/syntax/ascii.hpp"
#include "config/syntax/quoting.hpp"

namespace opsagent::config {
namespace {

constexpr std::size_t kMaxIdentifierBytes = 63;  // NAMEDATALEN - 1; longer names are truncated
constexpr std::size_t kMaxApplicationName = 63;  // same limit for application_name

}  // namespace

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

std::expected<void, std::string> check_role_name(std::string_view text) {
  constexpr std::string_view kRule =
      "; write the role's name as pg_stat_activity.usename shows it: 1 to 63 letters, digits, "
      "'_', '$', '-' or '.'";
  if (text.empty()) return std::unexpected("is empty" + std::string(kRule));
  if (text.size() > kMaxApplicationName) {
    return std::unexpected("is " + std::to_string(text.size()) + " characters long" +
                           std::string(kRule));
  }
  const auto bad = std::ranges::find_if_not(
      text, [](char c) { return is_word(c) || c == '$' || c == '-' || c == '.'; });
  if (bad != text.end()) {
    return std::unexpected("has a character not allowed in a role name at position " +
                           std::to_string(bad - text.begin() + 1) + std::string(kRule));
  }
  return {};
}

}  // namespace opsagent::config
