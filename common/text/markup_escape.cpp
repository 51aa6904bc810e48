#include "common/text/markup_escape.hpp"

namespace opsagent::common {

void append_markup_escaped(std::string& out, std::string_view text, Quotes quotes) {
  const bool escape_quotes = quotes == Quotes::kEscape;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += escape_quotes ? "&quot;" : "\"";
        break;
      case '\'':
        out += escape_quotes ? "&#39;" : "'";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace opsagent::common
