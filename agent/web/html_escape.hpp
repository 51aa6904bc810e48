// The one HTML escape of the status page: every string that did not come from the page's own
// code (names clients sent, server messages, config values) goes through it, so none of them can
// act as markup or carry control characters into the page. Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace opsagent::web {

// `text` made printable (common::printable: valid UTF-8, no controls) with & < > " ' escaped,
// safe both in element text and in a quoted attribute value.
std::string html_escape(std::string_view text);

}  // namespace opsagent::web
