// libFuzzer target for the request head's framing rules (parse_request_head). The input is the
// bytes a client sent. Properties: scanning and parsing never crash; a complete head is
// accepted exactly when the independent oracle (tests/support/framing_oracle.hpp) says it is
// well framed, refused with the oracle's status otherwise (400, or 505 for another version);
// an accepted head's size is the bytes up to and including its blank line, it names a single
// Content-Length at most and never one beside a Transfer-Encoding, and its views lie inside
// the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/http/request_head.hpp"
#include "tests/support/framing_oracle.hpp"

namespace {

using opsagent::http::HeadState;
using opsagent::http::parse_request_head;
using opsagent::http::scan_request_head;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto end = input.find("\r\n\r\n");
  const HeadState state = scan_request_head(input);
  check((state == HeadState::kComplete) ==
        (end != std::string_view::npos && end + 4 <= opsagent::http::kMaxHeadBytes));
  const auto parsed = parse_request_head(input);
  if (end == std::string_view::npos) {
    check(!parsed);
    return 0;
  }
  const std::string_view head = input.substr(0, end + 4);
  const int expected = opsagent::testing::oracle_framing_status(head);
  if (!parsed) {
    check(parsed.error().status == expected && !parsed.error().message.empty());
    return 0;
  }
  check(expected == 0);
  check(parsed->size == head.size());
  check(!(parsed->transfer_encoding && parsed->content_length));
  check(inside(parsed->method, head) && inside(parsed->target, head) &&
        inside(parsed->version, head));
  check(parsed->version == "HTTP/1.1" || parsed->version == "HTTP/1.0");
  return 0;
}
