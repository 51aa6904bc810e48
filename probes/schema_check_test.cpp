#include "probes/schema_check.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

using config::MigrationMarker;

TEST(TextArrayLiteral, QuotesAndEscapesEveryItem) {
  EXPECT_EQ(text_array_literal({}), "{}");
  EXPECT_EQ(text_array_literal({"public", ""}), R"({"public",""})");
  EXPECT_EQ(text_array_literal({R"(a"b\c)", "x,y"}), R"({"a\"b\\c","x,y"})");
}

TEST(SchemaStatements, OneCatalogQueryThenThreeStatementsPerQueryMarker) {
  config::ReadinessSection r;
  r.expected_tables = {{"", "permits"}, {"public", "contacts"}};
  r.migrations.push_back({"col", MigrationMarker::Kind::column, {"", "contacts"}, "email", ""});
  r.migrations.push_back({"alembic", MigrationMarker::Kind::query, {}, "", "SELECT true"});
  r.migrations.push_back({"tbl", MigrationMarker::Kind::table, {"audit", "log"}, "", ""});
  const auto st = schema_statements(r);
  ASSERT_EQ(st.size(), 4u);
  // Config values travel only as parameters: the SQL text is fixed.
  EXPECT_EQ(st[0].params.at(0), R"({"","public","","audit"})");
  EXPECT_EQ(st[0].params.at(1), R"({"permits","contacts","contacts","log"})");
  EXPECT_EQ(st[0].params.at(2), R"({"","","email",""})");
  EXPECT_EQ(st[0].sql.find("permits"), std::string::npos);
  EXPECT_TRUE(st[0].sync_after);
  EXPECT_EQ(st[1].sql, "BEGIN TRANSACTION READ ONLY");
  EXPECT_FALSE(st[1].sync_after);
  EXPECT_EQ(st[2].sql, "SELECT true");
  EXPECT_TRUE(st[2].sync_after);
  EXPECT_EQ(st[3].sql, "ROLLBACK");
  EXPECT_TRUE(st[3].sync_after);
}

// Issue 13, findings 9 and 10: unqualified names are looked up in the configured schemas (the
// app's search_path), not the agent's own; views count only when the config says so.
TEST(SchemaStatements, SearchPathAndViewsTravelAsParameters) {
  config::ReadinessSection r;
  r.expected_tables = {{"", "permits"}};
  auto st = schema_statements(r);
  ASSERT_GE(st[0].params.size(), 5u);
  EXPECT_EQ(st[0].params.at(3), R"({"public"})");
  EXPECT_EQ(st[0].params.at(4), "false");
  EXPECT_EQ(st[0].sql.find("current_schemas"), std::string::npos) << st[0].sql;
  EXPECT_NE(st[0].sql.find("$4::text[]"), std::string::npos) << st[0].sql;
  r.search_path = {"app", "public"};
  r.accept_views = true;
  st = schema_statements(r);
  EXPECT_EQ(st[0].params.at(3), R"({"app","public"})");
  EXPECT_EQ(st[0].params.at(4), "true");
}

}  // namespace
}  // namespace opsagent::probes
