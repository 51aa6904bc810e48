#include "config/warnings.hpp"

#include <gtest/gtest.h>

namespace opsagent::config {
namespace {

Config with_query_markers(int n, Duration statement_timeout) {
  Config c;
  c.database.statement_timeout = statement_timeout;
  for (int i = 0; i < n; ++i) {
    c.readiness.migrations.push_back({.name = "m" + std::to_string(i),
                                      .kind = MigrationMarker::Kind::query,
                                      .table = {},
                                      .column = {},
                                      .query = "SELECT pg_sleep(2.5) IS NOT NULL"});
  }
  return c;
}

// Issue 13, finding 7: three markers of up to 3s each cannot fit a 7s cycle; validate said OK.
TEST(ConfigWarnings, QueryMarkersThatCannotFitTheCycleAreNamed) {
  const auto w = config_warnings(with_query_markers(3, Duration{3000}));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("the 3 query markers may take up to 9s"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("(7s: connect_timeout"), std::string::npos) << w[0];
  EXPECT_TRUE(config_warnings(with_query_markers(1, Duration{5000})).empty());
  EXPECT_TRUE(config_warnings(with_query_markers(3, Duration{1000})).empty());
  EXPECT_TRUE(config_warnings(Config{}).empty());
}

}  // namespace
}  // namespace opsagent::config
