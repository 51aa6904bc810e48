#include "config/syntax/env_name.hpp"

#include <gtest/gtest.h>

namespace opsagent::config {
namespace {

TEST(IsEnvName, FollowsShellRules) {
  EXPECT_TRUE(is_env_name("DATABASE_URL"));
  EXPECT_TRUE(is_env_name("_x1"));
  EXPECT_FALSE(is_env_name(""));
  EXPECT_FALSE(is_env_name("1DB"));
  EXPECT_FALSE(is_env_name("DB-URL"));
  EXPECT_FALSE(is_env_name("postgres://u:p@h/db"));
}
}  // namespace
}  // namespace opsagent::config
