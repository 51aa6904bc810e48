// What the agent refuses before routing: a health endpoint has five paths, two methods and no
// request bodies, so anything else is answered with a 4xx before a handler or the body reader
// runs. Pure function of the request line and two headers; no I/O.
// Thread-safety: stateless; call from any thread.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace opsagent::agent::http {

// The paths the agent serves, in the order the 404 body lists them.
inline constexpr std::array<std::string_view, 5> kRoutes{"/health/live", "/health/ready", "/health",
                                                         "/status", "/metrics"};

// The longest request path served; anything longer gets 414.
inline constexpr std::size_t kMaxPathLength = 256;

struct RequestLine {
  std::string_view method;
  std::string_view path;            // without the query string
  std::string_view content_length;  // header value, "" when absent
  std::string_view transfer_encoding;
};

struct Rejection {
  int status;                 // 404, 405, 413 or 414
  std::string_view message;   // what the client is told (JSON "error")
  bool list_routes = false;   // 404: the body lists the endpoints
  bool allow_header = false;  // 405: "Allow: GET, HEAD"
};

// std::nullopt: the request may be routed.
std::optional<Rejection> guard_request(const RequestLine& request);

}  // namespace opsagent::agent::http
