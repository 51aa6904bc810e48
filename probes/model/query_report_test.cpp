// judge_query and judge_thresholds: levels above and below, missing columns, failed runs.
#include "probes/model/query_report.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

config::CustomQuery requests(bool gates = false) {
  return {.name = "requests",
          .sql = "SELECT ...",
          .interval = std::chrono::seconds(30),
          .gates_readiness = gates,
          .thresholds = {{.column = "p95_ms", .warn = 1000, .critical = 3000, .below = false},
                         {.column = "free", .warn = 0.2, .critical = 0.1, .below = true}}};
}

QueryReport row(std::optional<double> p95, std::optional<double> free) {
  QueryReport r;
  r.name = "requests";
  r.columns = {{.name = "p95_ms", .value = p95}, {.name = "free", .value = free}};
  return r;
}

TEST(JudgeQuery, BelowEveryLevelPassesAndListsTheValues) {
  const auto c = judge_query(row(999.5, 0.5), requests());
  EXPECT_EQ(c.name, "query:requests");
  EXPECT_EQ(c.status, CheckStatus::pass);
  EXPECT_FALSE(c.gates_readiness);
  EXPECT_EQ(c.message, "p95_ms 999.5, free 0.5");
}

TEST(JudgeQuery, WarnAndCriticalInBothDirections) {
  auto c = judge_query(row(1000, 0.5), requests());  // at the level counts
  EXPECT_EQ(c.status, CheckStatus::warn);
  EXPECT_EQ(c.error, ErrorClass::query_threshold);
  EXPECT_EQ(c.message, "p95_ms 1000 >= warn 1000 (p95_ms 1000, free 0.5)");
  c = judge_query(row(10, 0.15), requests());
  EXPECT_EQ(c.status, CheckStatus::warn);
  EXPECT_NE(c.message.find("free 0.15 <= warn 0.2"), std::string::npos) << c.message;
  c = judge_query(row(3500, 0.05), requests());
  EXPECT_EQ(c.status, CheckStatus::fail);
  EXPECT_NE(c.message.find("p95_ms 3500 >= critical 3000; free 0.05 <= critical 0.1"),
            std::string::npos)
      << c.message;
  const auto verdicts = judge_thresholds(row(3500, 0.15), requests());
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_EQ(verdicts[0].level, QueryLevel::critical);
  EXPECT_EQ(verdicts[1].level, QueryLevel::warn);
}

TEST(JudgeQuery, AMissingOrNullColumnIsAWarningNamingIt) {
  const auto c = judge_query(row(std::nullopt, 0.5), requests());
  EXPECT_EQ(c.status, CheckStatus::warn);
  EXPECT_EQ(c.error, ErrorClass::bad_result);
  EXPECT_NE(c.message.find("p95_ms is not in the row (or is NULL)"), std::string::npos);
  QueryReport empty;
  EXPECT_TRUE(judge_thresholds(empty, requests())[0].missing);
}

TEST(JudgeQuery, AFailedRunWarnsOrFailsWhenItGates) {
  auto r = row(10, 0.5);
  r.read_error = "relation \"request_metrics\" does not exist";
  r.read_error_class = ErrorClass::query_error;
  auto c = judge_query(r, requests());
  EXPECT_EQ(c.status, CheckStatus::warn);
  EXPECT_EQ(c.error, ErrorClass::query_error);
  EXPECT_EQ(c.message, "the query failed: relation \"request_metrics\" does not exist");
  c = judge_query(r, requests(true));
  EXPECT_EQ(c.status, CheckStatus::fail);
  EXPECT_TRUE(c.gates_readiness);
}

TEST(FormatQueryValue, WholeNumbersPlainOthersSixDigits) {
  EXPECT_EQ(format_query_value(86400), "86400");
  EXPECT_EQ(format_query_value(-3), "-3");
  EXPECT_EQ(format_query_value(0.01234567), "0.0123457");
  EXPECT_EQ(format_query_value(1234.5678), "1234.57");
  EXPECT_EQ(format_query_value(999.5), "999.5");
  EXPECT_EQ(format_query_value(172800.5), "172801");
  EXPECT_EQ(format_query_value(95.05), "95.05");
}

}  // namespace
}  // namespace opsagent::probes
