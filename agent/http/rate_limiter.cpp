#include "agent/http/rate_limiter.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

namespace opsagent::http {

namespace {

double refilled(double tokens, unsigned rate, std::chrono::steady_clock::duration elapsed) {
  const double burst = 2.0 * rate;
  const double seconds = std::chrono::duration<double>(elapsed).count();
  return std::min(burst, tokens + seconds * rate);
}

}  // namespace

std::string RateLimiter::client_key(std::string_view address) {
  if (address.find(':') == std::string_view::npos) return std::string(address);
  std::string text(address);
  in6_addr a{};
  if (::inet_pton(AF_INET6, text.c_str(), &a) != 1) return text;
  std::array<char, INET6_ADDRSTRLEN> out{};
  if (IN6_IS_ADDR_V4MAPPED(&a)) {
    in_addr v4{};
    std::memcpy(&v4, a.s6_addr + 12, sizeof(v4));
    ::inet_ntop(AF_INET, &v4, out.data(), out.size());
    return out.data();
  }
  std::memset(a.s6_addr + 8, 0, 8);
  ::inet_ntop(AF_INET6, &a, out.data(), out.size());
  return std::string(out.data()) + "/64";
}

std::optional<std::chrono::seconds> RateLimiter::admit(std::string_view address, unsigned rate,
                                                       SteadyClock::time_point now) {
  if (rate == 0) return std::nullopt;
  const std::string key = client_key(address);
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxClients) make_room_locked(rate, now);
    it = buckets_.emplace(key, Bucket{2.0 * rate, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = refilled(b.tokens, rate, now - b.updated);
  b.updated = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait = (1.0 - b.tokens) / rate;
  return std::chrono::seconds(std::max<long long>(1, static_cast<long long>(std::ceil(wait))));
}

void RateLimiter::make_room_locked(unsigned rate, SteadyClock::time_point now) {
  std::erase_if(buckets_, [&](const auto& entry) {
    return refilled(entry.second.tokens, rate, now - entry.second.updated) >= 2.0 * rate;
  });
  if (buckets_.size() < kMaxClients) return;
  const auto oldest = std::ranges::min_element(
      buckets_, [](const auto& a, const auto& b) { return a.second.updated < b.second.updated; });
  buckets_.erase(oldest);
}

std::size_t RateLimiter::clients() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace opsagent::http
