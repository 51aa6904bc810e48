#include "config/syntax/sql_guard.hpp"

#include "config/syntax/ascii.hpp"

namespace opsagent::config {
namespace {

// The kind of token that starts a read-only query, for the guard.
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

}  // namespace

std::expected<void, std::string> check_query(std::string_view sql, const QueryPurpose& purpose) {
  std::size_t i = skip_space_and_comments(sql, 0);
  if (i == kUnterminated) return std::unexpected("has an unterminated comment");
  if (i == sql.size()) {
    return std::unexpected("is empty; write one read-only statement returning " +
                           std::string(purpose.returns) + ", e.g. \"" +
                           std::string(purpose.example) + "\"");
  }
  if (!starts_read_only(sql.substr(i))) {
    return std::unexpected(
        "must be a read-only query starting with SELECT, WITH or VALUES that returns " +
        std::string(purpose.returns));
  }
  while (i < sql.size() && sql[i] != ';') {
    i = skip_one(sql, i);
    if (i == kUnterminated) return std::unexpected("has an unterminated quote or comment");
  }
  if (i < sql.size()) {
    const std::size_t rest = skip_space_and_comments(sql, i + 1);
    if (rest != sql.size()) {
      return std::unexpected("must be a single statement; remove everything after the \";\" (" +
                             std::string(purpose.one_per) + ")");
    }
  }
  return {};
}

}  // namespace opsagent::config
