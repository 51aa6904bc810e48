#include "agent/http/request_guard.hpp"

#include <algorithm>

namespace opsagent::http {

namespace {

// A Content-Length of "0" (any number of zeros) announces no body; anything else, including
// garbage, is treated as a body.
bool announces_body(std::string_view content_length, std::string_view transfer_encoding) {
  if (!transfer_encoding.empty()) return true;
  return !content_length.empty() &&
         std::ranges::any_of(content_length, [](char c) { return c != '0'; });
}

bool upstream_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

}  // namespace

bool is_route(std::string_view path) {
  if (std::ranges::find(kRoutes, path) != kRoutes.end()) return true;
  if (!path.starts_with(kUpstreamsPrefix)) return false;
  const std::string_view name = path.substr(kUpstreamsPrefix.size());
  return !name.empty() && name.size() <= 63 && std::ranges::all_of(name, upstream_name_char);
}

std::expected<RequestHead, Rejection> guard_head(std::string_view buffered) {
  auto head = parse_request_head(buffered);
  if (!head) return std::unexpected(Rejection{head.error().status, head.error().message});
  if (head->range) return std::unexpected(Rejection{416, "ranges are not served"});
  return *head;
}

std::optional<Rejection> guard_request(const RequestLine& request) {
  if (request.path.size() > kMaxPathLength) return Rejection{414, "path too long"};
  if (!is_route(request.path)) return Rejection{404, "not found", true};
  if (request.method != "GET" && request.method != "HEAD") {
    return Rejection{405, "method not allowed", false, true};
  }
  if (announces_body(request.content_length, request.transfer_encoding)) {
    return Rejection{413, "request bodies are not accepted"};
  }
  return std::nullopt;
}

}  // namespace opsagent::http
