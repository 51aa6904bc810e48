// A request's head (request line and header fields): where it ends in the bytes read so far,
// and whether it is framed the one way RFC 9112 allows. The event server dispatches a
// connection to a worker only once its head is complete, so a client that trickles bytes
// (slowloris) or sits idle costs a buffer, never a thread; and it parses every head here,
// strictly, before cpp-httplib sees it, so that no two readers of a request
// can disagree on where it ends (request smuggling): a repeated Content-Length, one beside a
// Transfer-Encoding, a folded or colon-less header line, whitespace before a colon and control
// bytes in a field are refused instead of being read one way here and another way there.
// Thread-safety: stateless; call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string_view>

namespace opsagent::http {

// The largest request head accepted; a longer one is answered 431. cpp-httplib's own limit on
// one header line is 8192 bytes, so nothing it would accept is refused here.
inline constexpr std::size_t kMaxHeadBytes = std::size_t{16} * 1024;

enum class HeadState {
  kIncomplete,  // wait for more bytes
  kComplete,    // the head ends within the buffer; dispatch
  kTooLarge,    // kMaxHeadBytes read without an end: answer 431 and close
};

// `buffered` is everything read from the connection and not yet consumed.
HeadState scan_request_head(std::string_view buffered, std::size_t max_head = kMaxHeadBytes);

// What the framing of a well-formed head says. Views into the parsed bytes.
struct RequestHead {
  std::string_view method;
  std::string_view target;   // as sent: path and query
  std::string_view version;  // "HTTP/1.1" or "HTTP/1.0"
  std::optional<std::uint64_t> content_length;
  bool transfer_encoding = false;  // present (any coding): a body follows
  bool range = false;              // a Range header is present
  std::size_t size = 0;            // bytes of the head, its blank line included

  bool announces_body() const { return transfer_encoding || content_length.value_or(0) > 0; }
};

// Why a head is refused: 400 (malformed or ambiguous framing) or 505 (a version other than
// HTTP/1.0 and HTTP/1.1), with what the client is told.
struct HeadError {
  int status = 400;
  std::string_view message;
};

// `buffered` starts at a request line and holds a complete head (scan_request_head said so).
// Accepts exactly: method SP target SP HTTP/1.x CRLF, then field lines `name:value` with a
// token name right before the colon and a value of visible ASCII, obs-text (0x80-0xFF), spaces
// and tabs, then an empty line; at most one Content-Length (digits only) and one Host, and no
// Content-Length beside a Transfer-Encoding (which HTTP/1.0 may not send at all).
std::expected<RequestHead, HeadError> parse_request_head(std::string_view buffered);

}  // namespace opsagent::http
