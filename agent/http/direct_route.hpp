// The one request shape the event server answers without cpp-httplib: a plain `GET` or `HEAD`
// of an exact path over HTTP/1.1, with no query, no body and only headers that do not change
// the answer's bytes. Healthcheckers send exactly that, many times a second; cpp-httplib's
// general parser, router and response writer cost ~16 µs of CPU per such request, this path
// 1–2 µs (a whole readiness request, kernel included, ~8 µs: bench/RESULTS.md section 6).
// Everything else (an unknown header, Accept-Encoding, Range, HTTP/1.0, a query, anything
// malformed) goes to cpp-httplib, so the direct path only ever produces the bytes cpp-httplib
// 0.11 would have written for the same request (tests compare both byte for byte).
// Thread-safety: pure functions; call from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace opsagent::http {

struct DirectRequest {
  std::string_view path;
  bool head = false;               // HEAD: headers only
  bool client_closes = false;      // "Connection: close", exactly as cpp-httplib compares it
  std::string_view authorization;  // the header's value; "" when absent
  std::size_t head_size = 0;       // bytes of the request head, its blank line included
};

// `head` starts at a request line and holds a complete head (scan_request_head said so).
// std::nullopt: not the plain shape; let cpp-httplib serve it.
std::optional<DirectRequest> parse_direct_request(std::string_view head);

// What a direct route's handler answers; the server adds the framing headers.
struct DirectAnswer {
  int status = 200;               // 200 or 503; anything else is served through cpp-httplib
  std::string_view content_type;  // a string literal (it outlives the answer)
  std::string body;
};

// True for the statuses a direct answer may have.
bool direct_status_supported(int status);

struct ResponseFraming {
  bool head = false;   // headers only (Content-Length still that of the body)
  bool close = false;  // "Connection: close" instead of "Keep-Alive: ..."
  long keep_alive_timeout_sec = 5;
  std::size_t keep_alive_max = 5;
};

// The response cpp-httplib 0.11 writes for a handler that set the status, the content and
// "Cache-Control: no-store": status line, headers in its (case-insensitive alphabetical)
// order, then the body. `answer.status` must be direct_status_supported().
void write_direct_response(const DirectAnswer& answer, const ResponseFraming& framing,
                           std::string& out);

}  // namespace opsagent::http
