#include "agent/web/html_escape.hpp"

#include "common/text/markup_escape.hpp"
#include "common/text/utf8.hpp"

namespace opsagent::web {

std::string html_escape(std::string_view text) {
  std::string out;
  common::append_markup_escaped(out, common::printable(text), common::Quotes::kEscape);
  return out;
}

}  // namespace opsagent::web
