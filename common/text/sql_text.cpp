#include "common/text/sql_text.hpp"

#include <cctype>

#include "common/text/utf8.hpp"

namespace opsagent::common {

namespace {

bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// The tag of a dollar quote starting at sql[i] ("$$" or "$tag$"), or "" when there is none.
std::string_view dollar_tag(std::string_view sql, std::size_t i) {
  std::size_t j = i + 1;
  while (j < sql.size() && ident_char(sql[j]) &&
         std::isdigit(static_cast<unsigned char>(sql[j])) == 0) {
    ++j;
  }
  if (j < sql.size() && sql[j] == '$') return sql.substr(i, j + 1 - i);
  return {};
}

}  // namespace

std::string mask_sql_literals(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '"') {  // a quoted identifier: kept as it is
      const auto end = sql.find('"', i + 1);
      const auto stop = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, stop - i));
      i = stop;
    } else if (c == '\'') {
      // E'..' strings allow \' as well as ''; the prefix letter was copied already.
      const bool escapes =
          i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i == 1 || !ident_char(sql[i - 2]));
      std::size_t j = i + 1;
      while (j < sql.size()) {
        if (escapes && sql[j] == '\\') {
          j += 2;
        } else if (sql[j] == '\'') {
          if (j + 1 < sql.size() && sql[j + 1] == '\'') {
            j += 2;
          } else {
            break;
          }
        } else {
          ++j;
        }
      }
      out += "'?'";
      i = j + 1;
    } else if (c == '$' && (i == 0 || !ident_char(sql[i - 1]))) {
      const auto tag = dollar_tag(sql, i);
      if (tag.empty()) {  // $1: a parameter, not a quote
        out += c;
        ++i;
        continue;
      }
      const auto end = sql.find(tag, i + tag.size());
      out.append(tag).append("?").append(tag);
      i = end == std::string_view::npos ? sql.size() : end + tag.size();
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

std::string statement_for_display(std::string_view sql, std::size_t max_chars) {
  const std::string shown = printable(mask_sql_literals(sql));
  std::string folded;
  folded.reserve(shown.size());
  for (const char c : shown) {
    if (c == ' ' && (folded.empty() || folded.back() == ' ')) continue;
    folded += c;
  }
  while (!folded.empty() && folded.back() == ' ') folded.pop_back();
  return cut_chars(folded, max_chars);
}

}  // namespace opsagent::common
