// libFuzzer target for the pre-routing guard. The input is split on '\n' into the method, the
// path, the Content-Length value and the Transfer-Encoding value (missing parts are empty).
// Properties: it never crashes; a rejection is 404, 405, 413 or 414 with a message, the route
// list only on 404 and the Allow header only on 405; each status has its cause (a long path for
// 414, an unknown path for 404, a method other than GET/HEAD for 405, an announced body for
// 413), checked in the guard's order; a request that passes is GET or HEAD on a known route
// without a body.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "agent/http/request_guard.hpp"

namespace {

using opsagent::http::guard_request;
using opsagent::http::kMaxPathLength;
using opsagent::http::kRoutes;
using opsagent::http::RequestLine;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// The next '\n'-separated part of `rest`, consumed; the last part takes the remainder.
std::string_view next_part(std::string_view& rest, bool last) {
  if (last) return std::exchange(rest, {});
  const std::size_t nl = rest.find('\n');
  const std::string_view part = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return part;
}

// Written here again rather than calling is_route(): the property must not check the guard
// against itself.
bool known_route(std::string_view path) {
  if (std::ranges::find(kRoutes, path) != kRoutes.end()) return true;
  constexpr std::string_view kPrefix = "/upstreams/";
  if (!path.starts_with(kPrefix) || path.size() == kPrefix.size() ||
      path.size() > kPrefix.size() + 63) {
    return false;
  }
  for (const char c : path.substr(kPrefix.size())) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool announces_body(const RequestLine& r) {
  if (!r.transfer_encoding.empty()) return true;
  return std::ranges::any_of(r.content_length, [](char c) { return c != '0'; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  RequestLine request;
  request.method = next_part(rest, false);
  request.path = next_part(rest, false);
  request.content_length = next_part(rest, false);
  request.transfer_encoding = next_part(rest, true);

  const auto rejection = guard_request(request);
  const bool long_path = request.path.size() > kMaxPathLength;
  const bool routed = known_route(request.path);
  const bool method_ok = request.method == "GET" || request.method == "HEAD";
  if (!rejection) {
    check(!long_path && routed && method_ok && !announces_body(request));
    return 0;
  }
  check(!rejection->message.empty());
  check(rejection->list_routes == (rejection->status == 404));
  check(rejection->allow_header == (rejection->status == 405));
  switch (rejection->status) {
    case 414:
      check(long_path);
      break;
    case 404:
      check(!long_path && !routed);
      break;
    case 405:
      check(!long_path && routed && !method_ok);
      break;
    case 413:
      check(!long_path && routed && method_ok && announces_body(request));
      break;
    default:
      check(false);
  }
  return 0;
}
