// [[queries]] and their [[queries.thresholds]]: defaults, every key, and mistakes with
// file:line:col.
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "config/keys.hpp"
#include "config/load.hpp"
#include "config/test_helpers.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kCache =
    "[[queries]]\nname = \"page_cache\"\nsql = \"SELECT count(*) AS entries FROM page_cache\"\n";

TEST(LoadQueries, NoneByDefaultAndTheDefaultsOfAnEntry) {
  EXPECT_TRUE(loaded("").queries.empty());
  const Config c = loaded(kCache);
  ASSERT_EQ(c.queries.size(), 1u);
  EXPECT_EQ(c.queries[0], (CustomQuery{.name = "page_cache",
                                       .sql = "SELECT count(*) AS entries FROM page_cache",
                                       .interval = 1min,
                                       .gates_readiness = false,
                                       .thresholds = {}}));
}

TEST(LoadQueries, ThresholdsBelongToTheQueryAboveThem) {
  const Config c = loaded(std::string(kCache) +
                          "interval = \"10s\"\ngates_readiness = true\n"
                          "[[queries.thresholds]]\ncolumn = \"entries\"\nwarn = 1000\n"
                          "critical = 5000.5\n"
                          "[[queries.thresholds]]\ncolumn = \"free\"\ncritical = 0.1\n"
                          "direction = \"below\"\n"
                          "[[queries]]\nname = \"other\"\nsql = \"SELECT 1 AS one\"\n"
                          "[agent]\ninterval = \"5s\"\n");
  EXPECT_EQ(c.agent.interval, 5s);
  ASSERT_EQ(c.queries.size(), 2u);
  EXPECT_EQ(c.queries[0].interval, 10s);
  EXPECT_TRUE(c.queries[0].gates_readiness);
  EXPECT_EQ(c.queries[0].thresholds,
            (std::vector<QueryThreshold>{
                {.column = "entries", .warn = 1000, .critical = 5000.5, .below = false},
                {.column = "free", .warn = std::nullopt, .critical = 0.1, .below = true}}));
  EXPECT_TRUE(c.queries[1].thresholds.empty());
}

TEST(LoadQueries, MissingKeysPointAtTheBlock) {
  const ConfigErrors errors = errors_of("\n[[queries]]\ninterval = \"5s\"\n");
  ASSERT_EQ(errors.size(), 2u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {2, 1, "queries[0].name", "missing `name`"}));
  EXPECT_TRUE(matches(errors[1], {2, 1, "queries[0].sql", "missing `sql`"}));
  expect_single_error(std::string(kCache) + "[[queries.thresholds]]\nwarn = 1\n",
                      {4, 1, "queries[0].thresholds[0].column", "missing `column`"});
  expect_single_error(std::string(kCache) + "[[queries.thresholds]]\ncolumn = \"entries\"\n",
                      {4, 1, "queries[0].thresholds[0].warn", "needs `warn`, `critical` or both"});
}

TEST(LoadQueries, TheSqlIsOneReadOnlyStatement) {
  expect_single_error("[[queries]]\nname = \"a\"\nsql = \"DELETE FROM page_cache\"\n",
                      {3, 7, "queries[0].sql", "returns one row of named numeric columns"});
  expect_single_error("[[queries]]\nname = \"a\"\nsql = \"SELECT 1 AS a; SELECT 2 AS b\"\n",
                      {3, 7, "queries[0].sql", "use one [[queries]] block per statement"});
}

TEST(LoadQueries, NamesColumnsLevelsAndDirections) {
  expect_single_error("[[queries]]\nname = \"Page Cache\"\nsql = \"SELECT 1 AS a\"\n",
                      {2, 8, "queries[0].name", "query name \"Page Cache\" must be 1..63"});
  expect_single_error("[[queries]]\nname = \"PageCache\"\nsql = \"SELECT 1 AS a\"\n",
                      {2, 8, "queries[0].name", "lower-case letters, digits and '_'"});
  expect_single_error("[[queries]]\nname = \"1st\"\nsql = \"SELECT 1 AS a\"\n",
                      {2, 8, "queries[0].name", "not starting with a digit"});
  expect_single_error(std::string(kCache) + std::string(kCache),
                      {5, 8, "queries[1].name", "is already used by queries[0] (line 2)"});
  const auto threshold_error = [](std::string_view rows, std::string_view key,
                                  std::string_view phrase) {
    const ConfigErrors errors = errors_of(std::string(kCache) + std::string(rows));
    ASSERT_EQ(errors.size(), 1u) << dump(errors);
    EXPECT_EQ(errors[0].key, key) << dump(errors);
    EXPECT_NE(errors[0].message.find(phrase), std::string::npos) << dump(errors);
  };
  threshold_error("[[queries.thresholds]]\ncolumn = \"a-b\"\nwarn = 1\n",
                  "queries[0].thresholds[0].column", "is not a column name");
  threshold_error("[[queries.thresholds]]\ncolumn = \"a\"\nwarn = \"80%\"\n",
                  "queries[0].thresholds[0].warn", "expected a number like 500");
  threshold_error("[[queries.thresholds]]\ncolumn = \"a\"\nwarn = nan\n",
                  "queries[0].thresholds[0].warn", "expected a number like 500");
  threshold_error("[[queries.thresholds]]\ncolumn = \"a\"\nwarn = 1\ndirection = \"up\"\n",
                  "queries[0].thresholds[0].direction", "is not a direction");
  threshold_error("[[queries.thresholds]]\ncolumn = \"a\"\nwarn = 10\ncritical = 5\n",
                  "queries[0].thresholds[0].critical", "critical must not be below warn");
  threshold_error(
      "[[queries.thresholds]]\ncolumn = \"a\"\nwarn = 5\ncritical = 10\ndirection = \"below\"\n",
      "queries[0].thresholds[0].critical", "must not be above warn");
  threshold_error(
      "[[queries.thresholds]]\ncolumn = \"a\"\nwarn = 1\n"
      "[[queries.thresholds]]\ncolumn = \"a\"\nwarn = 2\n",
      "queries[0].thresholds[1].column",
      "threshold column \"a\" is already used by queries[0].thresholds[0] (line 5); give each "
      "threshold its own column");
}

TEST(QueryKeyTables, EveryKeyDocumented) {
  std::set<std::string_view> names;
  for (const auto& spec : query_keys()) {
    EXPECT_EQ(spec.section, "queries");
    EXPECT_FALSE(spec.doc.empty()) << spec.name;
    names.insert(spec.name);
  }
  EXPECT_EQ(names, (std::set<std::string_view>{"name", "sql", "interval", "gates_readiness",
                                               "thresholds"}));
  names.clear();
  for (const auto& spec : query_threshold_keys()) {
    EXPECT_EQ(spec.section, "queries.thresholds");
    EXPECT_FALSE(spec.doc.empty()) << spec.name;
    names.insert(spec.name);
  }
  EXPECT_EQ(names, (std::set<std::string_view>{"column", "warn", "critical", "direction"}));
}

}  // namespace
}  // namespace opsagent::config
