// Content negotiation for /status: one page, two views, chosen by the request's Accept header
// (RFC 9110 media ranges with q-values), so a browser gets HTML and curl gets text from the same
// URL. Thread-safety: pure function.
#pragma once

#include <string_view>

namespace opsagent::web {

// True when the Accept header ranks text/html (or application/xhtml+xml) at least as high as
// text/plain and above zero (browsers); false for curl's "*/*", no header, or a malformed one.
bool wants_html(std::string_view accept_header);

}  // namespace opsagent::web
