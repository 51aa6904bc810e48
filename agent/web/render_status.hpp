// /status for the on-call engineer: a compact plain-text table for curl, and a self-contained
// HTML page (no external assets, inline SVG chart of the last hour, auto-refresh) for a browser.
// Pure functions of the RenderContext. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "agent/web/render_json.hpp"

namespace opsagent::web {

std::string render_status_text(const RenderContext& ctx);
std::string render_status_html(const RenderContext& ctx);

// True when the Accept header ranks text/html at least as high as text/plain (browsers), false for
// curl's
// "*/*" or no header.
bool wants_html(std::string_view accept_header);

}  // namespace opsagent::web
