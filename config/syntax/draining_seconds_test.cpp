#include "config/syntax/draining_seconds.hpp"

#include <gtest/gtest.h>

#include "config/syntax/check_result.hpp"

namespace opsagent::config {
namespace {

TEST(ParseDrainingSeconds, WholeSecondsUpTo3600) {
  EXPECT_EQ(parse_draining_seconds("0"), 0);
  EXPECT_EQ(parse_draining_seconds("30"), 30);
  EXPECT_EQ(parse_draining_seconds("0003600"), 3600);
  EXPECT_TRUE(contains(error_of(parse_draining_seconds("3601")), "out of range"));
  EXPECT_TRUE(contains(error_of(parse_draining_seconds(std::string(40, '9'))), "out of range"));
  EXPECT_TRUE(contains(error_of(parse_draining_seconds("-1")), "is negative"));
  EXPECT_TRUE(contains(error_of(parse_draining_seconds("-")), "is not a number"));
  EXPECT_TRUE(contains(error_of(parse_draining_seconds("")), "is not a number"));
  EXPECT_TRUE(contains(error_of(parse_draining_seconds("1e3")), "is not a number"));
}
}  // namespace
}  // namespace opsagent::config
