// Delivery counters of one receiver, for /metrics and /status. Thread-safety: plain values.
#pragma once

#include <cstddef>
#include <cstdint>

namespace opsagent::alerts {

struct ReceiverStats {
  std::uint64_t delivered = 0;
  std::uint64_t retried = 0;  // attempts that failed and were scheduled again
  std::uint64_t failed = 0;   // given up (4xx other than 408/429/410, too old, config)
  std::uint64_t dropped = 0;  // pushed out of a full queue
  std::size_t queued = 0;     // waiting now
  bool disabled = false;      // answered 410 Gone
};

}  // namespace opsagent::alerts
