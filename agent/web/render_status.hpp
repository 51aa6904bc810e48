// /status for the on-call engineer: a compact plain-text table for curl (status_text.cpp), and a
// self-contained HTML page (no external assets, inline SVG chart of the last hour, auto-refresh)
// for a browser (status_html.cpp); the Accept header picks one (accept_header.hpp).
// Pure functions of the RenderContext. Thread-safety: pure functions.
#pragma once

#include <string>

#include "agent/web/accept_header.hpp"
#include "agent/web/render_context.hpp"

namespace opsagent::web {

std::string render_status_text(const RenderContext& ctx);
std::string render_status_html(const RenderContext& ctx);

}  // namespace opsagent::web
