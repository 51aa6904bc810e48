// Where a request's head (request line and headers) ends in the bytes read so far. The event
// server dispatches a connection to a worker only once its head is complete, so a client that
// trickles bytes (slowloris) or sits idle costs a buffer, never a thread.
// Thread-safety: stateless; call from any thread.
#pragma once

#include <cstddef>
#include <string_view>

namespace opsagent::agent::http {

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

}  // namespace opsagent::agent::http
