// What the agent refuses before routing, in two steps. guard_head, on the raw head before any
// parser of cpp-httplib's reads it: a head framed in any way but the one
// RFC 9112 allows (400/505, see parse_request_head) and any Range request (416: the answers are
// small and never sent in parts, so a few bytes of request cannot ask for a multipart reply
// many times their size). guard_request, on the parsed request: a health endpoint has five
// paths and /upstreams/<name>, two methods and no request bodies, so anything else is answered
// with a 4xx before a handler or the body reader runs. Pure functions; no I/O.
// Thread-safety: stateless; call from any thread.
#pragma once

#include <array>
#include <expected>
#include <optional>
#include <string_view>

#include "agent/http/request_head.hpp"

namespace opsagent::http {

// The paths the agent serves, in the order the 404 body lists them.
inline constexpr std::array<std::string_view, 5> kRoutes{"/health/live", "/health/ready", "/health",
                                                         "/status", "/metrics"};

// GET /upstreams/<name>: the shared circuit breaker of an [[upstreams]] entry.
inline constexpr std::string_view kUpstreamsPrefix = "/upstreams/";
inline constexpr std::string_view kUpstreamsRoute = "/upstreams/<name>";  // as the 404 lists it

// Whether `path` is routed: one of kRoutes, or kUpstreamsPrefix and a name as the config allows
// one (1..63 of A-Z a-z 0-9 _ . -); whether that upstream exists is the handler's 404.
bool is_route(std::string_view path);

// The longest request path served; anything longer gets 414.
inline constexpr std::size_t kMaxPathLength = 256;

struct RequestLine {
  std::string_view method;
  std::string_view path;            // without the query string
  std::string_view content_length;  // header value, "" when absent
  std::string_view transfer_encoding;
};

struct Rejection {
  int status;                 // 400, 416 or 505 (guard_head); 404, 405, 413 or 414
  std::string_view message;   // what the client is told (JSON "error")
  bool list_routes = false;   // 404: the body lists the endpoints
  bool allow_header = false;  // 405: "Allow: GET, HEAD"
};

// `buffered` holds a complete head (scan_request_head said so). Its framing, or why it is
// refused; the connection is closed after a refusal.
std::expected<RequestHead, Rejection> guard_head(std::string_view buffered);

// std::nullopt: the request may be routed.
std::optional<Rejection> guard_request(const RequestLine& request);

}  // namespace opsagent::http
