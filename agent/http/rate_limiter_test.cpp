#include "agent/http/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <string>

namespace opsagent::http {
namespace {

using namespace std::chrono_literals;
const SteadyClock::time_point t0{};

TEST(RateLimiter, AdmitsABurstOfTwiceTheRateThenRefusesWithTheWait) {
  RateLimiter limiter;
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(limiter.admit("10.0.0.1", 10, t0)) << i;
  const auto wait = limiter.admit("10.0.0.1", 10, t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 1s);  // never "0": Retry-After is in whole seconds, at least 1
  // Another address has its own bucket.
  EXPECT_FALSE(limiter.admit("10.0.0.2", 10, t0));
}

TEST(RateLimiter, RefillsAtTheRate) {
  RateLimiter limiter;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(limiter.admit("a", 2, t0));
  EXPECT_TRUE(limiter.admit("a", 2, t0));
  EXPECT_FALSE(limiter.admit("a", 2, t0 + 500ms));  // one token back after 1/rate
  EXPECT_TRUE(limiter.admit("a", 2, t0 + 500ms));
  // A long pause refills to the burst, not beyond it.
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(limiter.admit("a", 2, t0 + 1h)) << i;
  EXPECT_TRUE(limiter.admit("a", 2, t0 + 1h));
}

TEST(RateLimiter, RetryAfterCoversASlowRate) {
  RateLimiter limiter;
  EXPECT_FALSE(limiter.admit("a", 1, t0));
  EXPECT_FALSE(limiter.admit("a", 1, t0));
  EXPECT_EQ(limiter.admit("a", 1, t0), 1s);
}

TEST(RateLimiter, ZeroRateAdmitsEverything) {
  RateLimiter limiter;
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.admit("a", 0, t0));
  EXPECT_EQ(limiter.clients(), 0u);
}

TEST(RateLimiter, IPv6CountsPerSlash64AndMappedIPv4AsIPv4) {
  EXPECT_EQ(RateLimiter::client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(RateLimiter::client_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
  EXPECT_EQ(RateLimiter::client_key("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(RateLimiter::client_key("192.0.2.7"), "192.0.2.7");
  RateLimiter limiter;
  for (int i = 0; i < 2; ++i)
    EXPECT_FALSE(limiter.admit("2001:db8::" + std::to_string(i + 1), 1, t0));
  EXPECT_TRUE(limiter.admit("2001:db8::99", 1, t0));  // same /64, bucket spent
}

TEST(RateLimiter, TheTableStaysBounded) {
  RateLimiter limiter;
  for (std::size_t i = 0; i < RateLimiter::kMaxClients + 100; ++i) {
    limiter.admit("10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
                      std::to_string(i % 256),
                  1, t0 + std::chrono::milliseconds(i));
  }
  EXPECT_LE(limiter.clients(), RateLimiter::kMaxClients);
}

}  // namespace
}  // namespace opsagent::http
