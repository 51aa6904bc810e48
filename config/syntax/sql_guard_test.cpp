#include "config/syntax/sql_guard.hpp"

#include <gtest/gtest.h>

#include "config/syntax/check_result.hpp"

namespace opsagent::config {
namespace {

TEST(CheckQuery, AcceptsOneReadOnlyStatement) {
  for (const auto* sql : {
           "SELECT version_num = 'abc123' FROM alembic_version",
           "select true;",
           "  -- leading comment\n SELECT 1 = 1 ;  -- trailing comment",
           "/* a /* nested */ comment */ WITH v AS (SELECT 1) SELECT count(*) = 1 FROM v",
           "SELECT 'a;b' = 'a;b'",
           "SELECT \"weird;name\" FROM t",
           "SELECT $$;$$ = $$;$$",
           "SELECT $tag$ ; $tag$ IS NOT NULL",
           "VALUES (true)",
           "(SELECT true)",
       }) {
    const auto r = check_query(sql);
    EXPECT_TRUE(r) << sql << ": " << error_of(r);
  }
}

TEST(CheckQuery, RejectsCommonMistakes) {
  EXPECT_TRUE(contains(error_of(check_query("")), "is empty"));
  EXPECT_TRUE(contains(error_of(check_query("  -- only a comment")), "is empty"));
  EXPECT_TRUE(contains(error_of(check_query("DELETE FROM t")), "read-only"));
  EXPECT_TRUE(contains(error_of(check_query("selected")), "read-only"));
  EXPECT_TRUE(contains(error_of(check_query("SELECT 1; SELECT 2")), "single statement"));
  EXPECT_TRUE(contains(error_of(check_query("SELECT 1; DROP TABLE t")), "single statement"));
  EXPECT_TRUE(contains(error_of(check_query("SELECT 'open")), "unterminated"));
  EXPECT_TRUE(contains(error_of(check_query("/* open")), "unterminated"));
  EXPECT_TRUE(contains(error_of(check_query("SELECT $x$ open")), "unterminated"));
}
}  // namespace
}  // namespace opsagent::config
