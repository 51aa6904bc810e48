// What the event server tells about its client connections: for /metrics and the tests.
// Thread-safety: a plain value, copied out under the server's lock.
#pragma once

#include <cstddef>
#include <cstdint>

namespace opsagent::http {

struct ConnectionStats {
  std::size_t open_connections = 0;
  std::uint64_t accepted = 0;
  std::uint64_t evicted = 0;         // closed to admit a newer connection at max_connections
  std::uint64_t timed_out = 0;       // idle past keep-alive, or head not complete in time (408)
  std::uint64_t head_too_large = 0;  // answered 431
  std::uint64_t refused_heads = 0;   // malformed or ambiguous framing, or Range: 400/416/505
  std::uint64_t slow_readers = 0;    // an answer not taken by the client within the write timeout
  std::uint64_t sweeps = 0;          // sweep timer ticks: only while connections are open
  // Filled in by the agent's HTTP server (the event server knows no routes): 429 answers.
  std::uint64_t rate_limited_status = 0;
  std::uint64_t rate_limited_metrics = 0;
};

}  // namespace opsagent::http
