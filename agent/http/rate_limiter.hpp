// Per-client-address token buckets for the endpoints that render a whole page on every request
// (/status, /metrics): a client may ask `rate` times a second on average, in bursts of up to
// 2 × rate, and beyond that gets 429 with the seconds to wait (Retry-After). IPv6 clients are
// counted by their /64 (one host usually holds a whole /64); an IPv4-mapped address counts as
// its IPv4 address. The table holds at most kMaxClients addresses: when full, buckets that have
// refilled (indistinguishable from new ones) are dropped, then the least recently seen one.
// Time is passed in, so tests need no clock.
// Thread-safety: admit() may be called from any thread (one mutex, held for a table lookup).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.hpp"

namespace opsagent::http {

class RateLimiter {
 public:
  static constexpr std::size_t kMaxClients = 4096;

  // std::nullopt: admitted (one token taken). Otherwise refused, with the whole seconds until
  // a request from that client would be admitted (at least 1). A rate of 0 admits everything.
  std::optional<std::chrono::seconds> admit(std::string_view address, unsigned rate,
                                            SteadyClock::time_point now);

  // The key an address is counted under: the address itself, an IPv6 address's /64 prefix
  // ("2001:db8:1:2::/64"), or the IPv4 address inside an IPv4-mapped one.
  static std::string client_key(std::string_view address);

  std::size_t clients() const;

 private:
  struct Bucket {
    double tokens = 0;
    SteadyClock::time_point updated;
  };
  void make_room_locked(unsigned rate, SteadyClock::time_point now);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace opsagent::http
