// libFuzzer target for the direct path's request parser and response writer. The input is a
// request head (or garbage). Properties: it never crashes; a request taken is a GET or HEAD
// over HTTP/1.1 of a plain path, whose head ends with the blank line within the input; its
// Authorization value is trimmed and is part of the input; scan_request_head agrees that the
// head is complete; and the response written for it frames the body it was given.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/http/direct_route.hpp"
#include "agent/http/request_head.hpp"

namespace {

using opsagent::http::DirectAnswer;
using opsagent::http::HeadState;
using opsagent::http::parse_direct_request;
using opsagent::http::scan_request_head;
using opsagent::http::write_direct_response;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool is_space_or_tab(char c) {
  return c == ' ' || c == '\t';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto request = parse_direct_request(input);
  if (!request) return 0;

  check(request->head_size >= 4 && request->head_size <= input.size());
  check(input.substr(request->head_size - 4, 4) == "\r\n\r\n");
  check(scan_request_head(input) == HeadState::kComplete);
  check(input.starts_with(request->head ? "HEAD " : "GET "));
  check(!request->path.empty() && request->path.front() == '/');
  check(request->path.find_first_of("?%# \r\n") == std::string_view::npos);
  const std::string_view line = input.substr(0, input.find("\r\n"));
  check(line.ends_with(std::string(request->path) + " HTTP/1.1"));
  if (!request->authorization.empty()) {
    check(input.substr(0, request->head_size).find(request->authorization) !=
          std::string_view::npos);
    check(!is_space_or_tab(request->authorization.front()));
    check(!is_space_or_tab(request->authorization.back()));
  }

  const DirectAnswer answer{200, "text/plain", std::string(input.substr(request->head_size))};
  std::string out;
  write_direct_response(answer, {.head = request->head, .close = request->client_closes}, out);
  const std::string length = "Content-Length: " + std::to_string(answer.body.size()) + "\r\n";
  check(out.find(length) != std::string::npos);
  check(out.find(request->client_closes ? "Connection: close\r\n" : "Keep-Alive: ") !=
        std::string::npos);
  check(out.ends_with(request->head ? "\r\n\r\n" : "\r\n\r\n" + answer.body));
  return 0;
}
