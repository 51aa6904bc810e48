#include "common/text/sql_text.hpp"

#include <gtest/gtest.h>

namespace opsagent::common {
namespace {

TEST(MaskSqlLiterals, HidesStringLiteralsKeepsShape) {
  EXPECT_EQ(mask_sql_literals("ALTER ROLE app PASSWORD 'hunter2'"), "ALTER ROLE app PASSWORD '?'");
  EXPECT_EQ(mask_sql_literals("SELECT 'it''s', 42 FROM \"Odd 'name'\" WHERE a = $1"),
            "SELECT '?', 42 FROM \"Odd 'name'\" WHERE a = $1");
  EXPECT_EQ(mask_sql_literals("SELECT E'a\\'b', 'c'"), "SELECT E'?', '?'");
  EXPECT_EQ(mask_sql_literals("DO $body$ secret $body$; SELECT $$x$$"),
            "DO $body$?$body$; SELECT $$?$$");
}

TEST(MaskSqlLiterals, CutLiteralIsMaskedToTheEnd) {
  EXPECT_EQ(mask_sql_literals("INSERT INTO t VALUES ('tok_abc"), "INSERT INTO t VALUES ('?'");
  EXPECT_EQ(mask_sql_literals("SELECT $q$ never ends"), "SELECT $q$?$q$");
}

TEST(StatementForDisplay, FoldsSpaceAndCuts) {
  EXPECT_EQ(statement_for_display("SELECT\n\t*   FROM t\x1b[2J WHERE p = 'pw'  ", 100),
            "SELECT * FROM t?[2J WHERE p = '?'");
  EXPECT_EQ(statement_for_display("ALTER TABLE permits ADD COLUMN x int", 12), "ALTER TABLE…");
}

}  // namespace
}  // namespace opsagent::common
