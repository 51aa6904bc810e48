#include "agent/http/request_head.hpp"

namespace opsagent::agent::http {

HeadState scan_request_head(std::string_view buffered, std::size_t max_head) {
  // cpp-httplib ends a head at the first empty CRLF line. Anything malformed before it (an
  // empty request line, bare LFs) is cpp-httplib's to reject with 400 once the head is complete.
  const auto end = buffered.find("\r\n\r\n");
  if (end != std::string_view::npos && end + 4 <= max_head) return HeadState::kComplete;
  if (buffered.size() >= max_head) return HeadState::kTooLarge;
  return HeadState::kIncomplete;
}

}  // namespace opsagent::agent::http
