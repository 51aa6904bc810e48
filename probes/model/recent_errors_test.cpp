#include "probes/model/recent_errors.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

CheckResult check(std::string name, CheckStatus status, ErrorClass error = ErrorClass::none,
                  std::string message = "") {
  CheckResult c;
  c.name = std::move(name);
  c.status = status;
  c.error = error;
  c.message = std::move(message);
  return c;
}

TEST(RecentErrors, ThresholdCrossingsAreNotErrors) {
  RecentErrors r(10);
  r.observe({check("postgres:connections", CheckStatus::fail, ErrorClass::none,
                   "critical: 94/97 usable slots in use"),
             check("query:requests", CheckStatus::fail, ErrorClass::query_threshold,
                   "p95_ms 4752 >= critical 3000"),
             check("container:memory", CheckStatus::fail, ErrorClass::memory_high, "97%")},
            Clock::time_point(1000s));
  EXPECT_TRUE(r.list().empty());
}

TEST(RecentErrors, ACheckThatPassesAgainClearsItsErrors) {
  RecentErrors r(10);
  const auto t0 = Clock::time_point(1000s);
  r.observe({check("http:app", CheckStatus::fail, ErrorClass::refused, "connection refused"),
             check("postgres:connection", CheckStatus::pass)},
            t0);
  r.observe({check("http:app", CheckStatus::fail, ErrorClass::refused, "connection refused")},
            t0 + 1s);
  ASSERT_EQ(r.list().size(), 1u);  // repeated: one entry, last seen at t0 + 1s
  EXPECT_EQ(r.list()[0].at, t0 + 1s);
  EXPECT_FALSE(r.list()[0].cleared_at);

  r.observe({check("http:app", CheckStatus::pass)}, t0 + 2s);
  ASSERT_EQ(r.list().size(), 1u);
  EXPECT_EQ(r.list()[0].cleared_at, t0 + 2s);
  r.observe({check("http:app", CheckStatus::pass)}, t0 + 3s);
  EXPECT_EQ(r.list()[0].cleared_at, t0 + 2s);  // cleared once, when it first passed

  // Failing again is a new, current entry; the past one stays past.
  r.observe({check("http:app", CheckStatus::fail, ErrorClass::timeout, "no answer")}, t0 + 4s);
  ASSERT_EQ(r.list().size(), 2u);
  EXPECT_EQ(r.list()[0].error, ErrorClass::timeout);
  EXPECT_FALSE(r.list()[0].cleared_at);
  EXPECT_EQ(r.list()[1].cleared_at, t0 + 2s);
}

TEST(RecentErrors, AnAbsentOrWarningCheckClearsNothing) {
  RecentErrors r(10);
  const auto t0 = Clock::time_point(1000s);
  r.observe({check("schema:tables", CheckStatus::fail, ErrorClass::missing_tables, "permits")}, t0);
  // The database is unreachable: the schema check is not run, so its error is not known past.
  r.observe({check("postgres:connection", CheckStatus::fail, ErrorClass::timeout, "t")}, t0 + 1s);
  r.observe({check("schema:tables", CheckStatus::warn)}, t0 + 2s);
  ASSERT_EQ(r.list().size(), 2u);
  EXPECT_FALSE(r.list()[0].cleared_at);
  EXPECT_FALSE(r.list()[1].cleared_at);
}

TEST(RecentErrors, Bounded) {
  RecentErrors r(3);
  for (int i = 0; i < 5; ++i) {
    r.observe({check("c" + std::to_string(i), CheckStatus::fail, ErrorClass::timeout, "t")},
              Clock::time_point(std::chrono::seconds(1000 + i)));
  }
  ASSERT_EQ(r.list().size(), 3u);
  EXPECT_EQ(r.list()[0].check, "c4");
  EXPECT_EQ(r.list()[2].check, "c2");
}

}  // namespace
}  // namespace opsagent::probes
