#include "agent/web/html_escape.hpp"

#include "common/text/utf8.hpp"

namespace opsagent::web {

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : common::printable(text)) {
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
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace opsagent::web
