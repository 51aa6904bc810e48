// The retry rules: outcome table, backoff with jitter, Retry-After (seconds and HTTP dates).
#include "agent/alerts/delivery/retry_policy.hpp"

#include <gtest/gtest.h>

#include "agent/alerts/delivery/delivery_test_helpers.hpp"

namespace opsagent::alerts::delivery_testing {
namespace {

TEST(DeliveryRetry, OutcomeTable) {
  const RetryPolicy policy;
  struct Row {
    AttemptResult result;
    Action action;
  };
  const std::vector<Row> rows = {
      {result_of(Kind::delivered, 200), Action::done},
      {result_of(Kind::http_status, 200), Action::done},
      {result_of(Kind::http_status, 202), Action::done},
      {result_of(Kind::http_status, 204), Action::done},
      {result_of(Kind::network), Action::retry},
      {result_of(Kind::timeout), Action::retry},
      {result_of(Kind::exec_failed, 1), Action::retry},
      {result_of(Kind::http_status, 408), Action::retry},
      {result_of(Kind::http_status, 429), Action::retry},
      {result_of(Kind::http_status, 500), Action::retry},
      {result_of(Kind::http_status, 502), Action::retry},
      {result_of(Kind::http_status, 503), Action::retry},
      {result_of(Kind::http_status, 504), Action::retry},
      {result_of(Kind::http_status, 410), Action::disable},
      {result_of(Kind::http_status, 400), Action::give_up},
      {result_of(Kind::http_status, 401), Action::give_up},
      {result_of(Kind::http_status, 403), Action::give_up},
      {result_of(Kind::http_status, 404), Action::give_up},
      {result_of(Kind::http_status, 422), Action::give_up},
      {result_of(Kind::http_status, 301), Action::give_up},
      {result_of(Kind::config), Action::give_up},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(::testing::Message() << "kind " << static_cast<int>(row.result.kind) << " status "
                                      << row.result.status);
    EXPECT_EQ(decide_retry(row.result, 1, policy, 0.5).action, row.action);
  }
}

TEST(DeliveryRetry, ExponentialBackoffWithJitterBounds) {
  RetryPolicy policy;
  policy.first_backoff = 1s;
  policy.max_backoff = 5min;
  const auto network = result_of(Kind::network);
  for (int attempts = 1; attempts <= 12; ++attempts) {
    const std::chrono::milliseconds backoff =
        std::min<std::chrono::milliseconds>(1s * (1 << (attempts - 1)), 5min);
    SCOPED_TRACE(attempts);
    const auto low = decide_retry(network, attempts, policy, 0.0);
    const auto high = decide_retry(network, attempts, policy, 0.999999);
    const auto mid = decide_retry(network, attempts, policy, 0.5);
    EXPECT_EQ(low.action, Action::retry);
    EXPECT_EQ(low.wait, backoff / 2);
    EXPECT_LT(high.wait, backoff);
    EXPECT_GE(high.wait, backoff - 1ms);
    EXPECT_GE(mid.wait, backoff / 2);
    EXPECT_LT(mid.wait, backoff);
  }
  EXPECT_EQ(decide_retry(network, 1, policy, 0.5).wait, 750ms);  // 500ms + half of 500ms
  EXPECT_EQ(decide_retry(network, 3, policy, 0.0).wait, 2s);     // 4s backoff
}

TEST(DeliveryRetry, CappedAtMaxBackoffWithoutOverflow) {
  RetryPolicy policy;
  policy.first_backoff = 10ms;
  policy.max_backoff = 1s;
  const auto timeout = result_of(Kind::timeout);
  for (int attempts : {8, 20, 64, 1000, 1 << 30}) {
    SCOPED_TRACE(attempts);
    for (double jitter : {0.0, 0.3, 0.999999}) {
      const auto d = decide_retry(timeout, attempts, policy, jitter);
      EXPECT_EQ(d.action, Action::retry);
      EXPECT_GE(d.wait, 500ms);
      EXPECT_LT(d.wait, 1s);
    }
  }
  // Out-of-range jitter is clamped into [backoff/2, backoff).
  EXPECT_EQ(decide_retry(timeout, 1, policy, -1.0).wait, 5ms);
  EXPECT_LT(decide_retry(timeout, 1, policy, 7.0).wait, 10ms);
}

TEST(DeliveryRetry, RetryAfterOverridesWhenLonger) {
  RetryPolicy policy;
  policy.first_backoff = 1s;
  auto r = result_of(Kind::http_status, 429);
  r.retry_after = 120s;
  EXPECT_EQ(decide_retry(r, 1, policy, 0.0).wait, 120s);
  r.retry_after = 0s;  // shorter than the backoff: the backoff stands
  EXPECT_EQ(decide_retry(r, 1, policy, 0.0).wait, 500ms);
  r.status = 503;
  r.retry_after = 3h;  // capped at an hour
  EXPECT_EQ(decide_retry(r, 1, policy, 0.0).wait, 1h);
  r.status = 400;  // not retried at all, whatever it asks
  r.retry_after = 5s;
  EXPECT_EQ(decide_retry(r, 1, policy, 0.0).action, Action::give_up);
}

// ---------------------------------------------------------------------------------------------
// parse_retry_after

TEST(DeliveryRetryAfter, Seconds) {
  const auto now = WallClock::now();
  EXPECT_EQ(parse_retry_after("120", now), 120s);
  EXPECT_EQ(parse_retry_after("0", now), 0s);
  EXPECT_EQ(parse_retry_after("  5 ", now), 5s);
  EXPECT_EQ(parse_retry_after("7200", now), 1h);
  EXPECT_EQ(parse_retry_after("99999999999999999999999", now), 1h);
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("1.5", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
}

TEST(DeliveryRetryAfter, HttpDate) {
  using namespace std::chrono;
  const WallClock::time_point now =
      sys_days{year{1994} / November / 6} + hours(8) + minutes(49) + seconds(0);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), 37s);
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), 37s);
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", now), 37s);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:50:00 GMT", now + 500ms), 60s);  // rounded up
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), 0s);           // past: now
  EXPECT_EQ(parse_retry_after("Mon, 07 Nov 1994 08:49:00 GMT", now), 1h);           // capped
  EXPECT_EQ(parse_retry_after("Sun, 31 Nov 1994 08:49:37 GMT", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 25:49:37 GMT", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 CET", now), std::nullopt);
}

}  // namespace
}  // namespace opsagent::alerts::delivery_testing
