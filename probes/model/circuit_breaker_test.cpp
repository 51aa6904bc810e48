#include "probes/model/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;

// A fixed origin: the breaker never reads a clock, so time is whatever the test says.
const SteadyClock::time_point t0{std::chrono::hours(1000)};

TEST(CircuitBreaker, StartsClosedWithoutHistory) {
  const CircuitBreaker b(5, 60s);
  EXPECT_EQ(b.state(), BreakerState::closed);
  EXPECT_EQ(b.consecutive_failures(), 0);
  EXPECT_EQ(b.since(), std::nullopt);
  EXPECT_EQ(b.half_open_at(), std::nullopt);
}

TEST(CircuitBreaker, OpensAtTheThresholdOfConsecutiveFailures) {
  CircuitBreaker b(5, 60s);
  for (int i = 1; i <= 4; ++i) {
    EXPECT_EQ(b.record_failure(t0 + i * 1s, "answered 500"), std::nullopt) << i;
    EXPECT_EQ(b.state(), BreakerState::closed);
    EXPECT_EQ(b.consecutive_failures(), i);
  }
  const auto t = b.record_failure(t0 + 5s, "answered 500, expected 200");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, BreakerState::closed);
  EXPECT_EQ(t->to, BreakerState::open);
  EXPECT_EQ(t->at, t0 + 5s);
  EXPECT_EQ(t->reason, "5 consecutive failures (last: answered 500, expected 200)");
  EXPECT_EQ(b.state(), BreakerState::open);
  EXPECT_EQ(b.since(), t0 + 5s);
  EXPECT_EQ(b.half_open_at(), t0 + 65s);
}

TEST(CircuitBreaker, ASuccessResetsTheCount) {
  CircuitBreaker b(3, 60s);
  b.record_failure(t0, "x");
  b.record_failure(t0 + 1s, "x");
  EXPECT_EQ(b.record_success(t0 + 2s), std::nullopt);  // closed stays closed: no transition
  EXPECT_EQ(b.consecutive_failures(), 0);
  b.record_failure(t0 + 3s, "x");
  b.record_failure(t0 + 4s, "x");
  EXPECT_EQ(b.state(), BreakerState::closed);  // 2 since the success, not 4
  EXPECT_TRUE(b.record_failure(t0 + 5s, "x"));
  EXPECT_EQ(b.state(), BreakerState::open);
}

TEST(CircuitBreaker, ThresholdOfOneOpensAtTheFirstFailure) {
  CircuitBreaker b(1, 10s);
  const auto t = b.record_failure(t0, "timed out");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->reason, "1 consecutive failure (last: timed out)");
}

TEST(CircuitBreaker, HalfOpenExactlyAfterTheRecoveryTimeout) {
  CircuitBreaker b(1, 60s);
  b.record_failure(t0, "x");
  EXPECT_EQ(b.advance(t0 + 59s), std::nullopt);
  EXPECT_EQ(b.advance(t0 + 60s - 1ns), std::nullopt);
  EXPECT_EQ(b.state(), BreakerState::open);
  const auto t = b.advance(t0 + 60s);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, BreakerState::open);
  EXPECT_EQ(t->to, BreakerState::half_open);
  EXPECT_EQ(t->reason, "recovery_timeout 1m passed since the circuit opened; probing once");
  EXPECT_EQ(b.state(), BreakerState::half_open);
  EXPECT_EQ(b.half_open_at(), std::nullopt);
  EXPECT_EQ(b.advance(t0 + 120s), std::nullopt);  // half-open waits for its probe, not the clock
}

TEST(CircuitBreaker, FailuresWhileOpenDoNotPostponeHalfOpen) {
  CircuitBreaker b(2, 30s);
  b.record_failure(t0, "x");
  b.record_failure(t0 + 1s, "x");
  EXPECT_EQ(b.record_failure(t0 + 10s, "x"), std::nullopt);  // a probe already in flight
  EXPECT_EQ(b.half_open_at(), t0 + 31s);
}

TEST(CircuitBreaker, SuccessInHalfOpenCloses) {
  CircuitBreaker b(5, 60s);
  for (int i = 0; i < 5; ++i) b.record_failure(t0, "x");
  ASSERT_TRUE(b.advance(t0 + 60s));
  const auto t = b.record_success(t0 + 61s);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, BreakerState::half_open);
  EXPECT_EQ(t->to, BreakerState::closed);
  EXPECT_EQ(t->reason, "a probe succeeded");
  EXPECT_EQ(b.state(), BreakerState::closed);
  EXPECT_EQ(b.consecutive_failures(), 0);
  EXPECT_EQ(b.since(), t0 + 61s);
  // Closed again: it takes the full threshold to open once more.
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(b.record_failure(t0 + 62s, "x"));
  EXPECT_TRUE(b.record_failure(t0 + 62s, "x"));
}

TEST(CircuitBreaker, FailureInHalfOpenReopensForAnotherRecoveryTimeout) {
  CircuitBreaker b(5, 60s);
  for (int i = 0; i < 5; ++i) b.record_failure(t0, "x");
  ASSERT_TRUE(b.advance(t0 + 60s));
  const auto t = b.record_failure(t0 + 62s, "connection refused");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, BreakerState::half_open);
  EXPECT_EQ(t->to, BreakerState::open);
  EXPECT_EQ(t->reason, "the half-open probe failed: connection refused");
  EXPECT_EQ(b.half_open_at(), t0 + 122s);
  EXPECT_EQ(b.advance(t0 + 121s), std::nullopt);
  EXPECT_TRUE(b.advance(t0 + 122s));
}

TEST(CircuitBreaker, SuccessWhileOpenCloses) {
  CircuitBreaker b(1, 60s);
  b.record_failure(t0, "x");
  const auto t = b.record_success(t0 + 1s);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, BreakerState::open);
  EXPECT_EQ(b.state(), BreakerState::closed);
}

TEST(CircuitBreaker, ConfigureKeepsTheStateAndAppliesNewSettings) {
  CircuitBreaker b(5, 60s);
  for (int i = 0; i < 3; ++i) b.record_failure(t0, "x");
  b.configure(3, 10s);
  EXPECT_EQ(b.state(), BreakerState::closed);
  EXPECT_EQ(b.consecutive_failures(), 3);
  EXPECT_TRUE(b.record_failure(t0 + 1s, "x"));  // past the new threshold: opens
  EXPECT_EQ(b.half_open_at(), t0 + 11s);
  b.configure(3, 20s);
  EXPECT_EQ(b.half_open_at(), t0 + 21s);  // from when it opened
  b.configure(0, 20s);
  EXPECT_EQ(b.failure_threshold(), 1);  // never below one
}

TEST(CircuitBreaker, StateNames) {
  EXPECT_EQ(to_string(BreakerState::closed), "closed");
  EXPECT_EQ(to_string(BreakerState::half_open), "half_open");
  EXPECT_EQ(to_string(BreakerState::open), "open");
}

}  // namespace
}  // namespace opsagent::probes
