// What the event server tells about its client connections: for /metrics and the tests.
// Thread-safety: a plain value, copied out under the server's lock.
#pragma once

#include <cstddef>
#include <cstdint>

namespace opsagent::agent::http {

struct ConnectionStats {
  std::size_t open_connections = 0;
  std::uint64_t accepted = 0;
  std::uint64_t evicted = 0;         // closed to admit a newer connection at max_connections
  std::uint64_t timed_out = 0;       // idle past keep-alive, or head not complete in time (408)
  std::uint64_t head_too_large = 0;  // answered 431
};

}  // namespace opsagent::agent::http
