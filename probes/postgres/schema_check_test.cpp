#include "probes/postgres/schema_check.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

using config::MigrationMarker;

TEST(TextArrayLiteral, QuotesAndEscapesEveryItem) {
  EXPECT_EQ(text_array_literal({}), "{}");
  EXPECT_EQ(text_array_literal({"public", ""}), R"({"public",""})");
  EXPECT_EQ(text_array_literal({R"(a"b\c)", "x,y"}), R"({"a\"b\\c","x,y"})");
}

TEST(SchemaStatements, OneCatalogQueryThenOneScopedSegmentPerQueryMarker) {
  config::ReadinessSection r;
  r.expected_tables = {{"", "permits"}, {"public", "contacts"}};
  r.migrations.push_back({"col", MigrationMarker::Kind::column, {"", "contacts"}, "email", ""});
  r.migrations.push_back({"alembic", MigrationMarker::Kind::query, {}, "", "SELECT true"});
  r.migrations.push_back({"tbl", MigrationMarker::Kind::table, {"audit", "log"}, "", ""});
  const auto catalog = schema_statement(r);
  // Config values travel only as parameters: the SQL text is fixed.
  EXPECT_EQ(catalog.params.at(0), R"({"","public","","audit"})");
  EXPECT_EQ(catalog.params.at(1), R"({"permits","contacts","contacts","log"})");
  EXPECT_EQ(catalog.params.at(2), R"({"","","email",""})");
  EXPECT_EQ(catalog.sql.find("permits"), std::string::npos);

  config::DatabaseSection db;
  db.statement_timeout = config::Duration{3000};
  db.lock_timeout = config::Duration{700};
  const auto st = marker_statements(r, db);
  ASSERT_EQ(st.size(), kStatementsPerQueryMarker);
  // Settings for this transaction only (set_config(..., true)), never for the session.
  EXPECT_NE(st[0].sql.find("set_config('statement_timeout', $1, true)"), std::string::npos);
  EXPECT_NE(st[0].sql.find("set_config('transaction_read_only', 'on', true)"), std::string::npos);
  EXPECT_EQ(st[0].sql.find("false"), std::string::npos);
  EXPECT_EQ(st[0].params.at(0), "3000ms");
  EXPECT_EQ(st[0].params.at(1), "700ms");
  EXPECT_FALSE(st[0].sync_after);
  EXPECT_EQ(st[1].sql, "SELECT true");
  EXPECT_FALSE(st[1].sync_after);
  // ROLLBACK ends the segment: it also undoes a session-level SET the user's query made.
  EXPECT_EQ(st[2].sql, "ROLLBACK");
  EXPECT_TRUE(st[2].sync_after);
}

TEST(SchemaStatements, NoQueryMarkersNoMarkerSegment) {
  config::ReadinessSection r;
  r.migrations.push_back({"tbl", MigrationMarker::Kind::table, {"", "log"}, "", ""});
  EXPECT_TRUE(marker_statements(r, {}).empty());
}

// Issue 13, findings 9 and 10: unqualified names are looked up in the configured schemas (the
// app's search_path), not the agent's own; views count only when the config says so.
TEST(SchemaStatements, SearchPathAndViewsTravelAsParameters) {
  config::ReadinessSection r;
  r.expected_tables = {{"", "permits"}};
  auto catalog = schema_statement(r);
  ASSERT_GE(catalog.params.size(), 5u);
  EXPECT_EQ(catalog.params.at(3), R"({"public"})");
  EXPECT_EQ(catalog.params.at(4), "false");
  EXPECT_EQ(catalog.sql.find("current_schemas"), std::string::npos) << catalog.sql;
  EXPECT_NE(catalog.sql.find("$4::text[]"), std::string::npos) << catalog.sql;
  r.search_path = {"app", "public"};
  r.accept_views = true;
  catalog = schema_statement(r);
  EXPECT_EQ(catalog.params.at(3), R"({"app","public"})");
  EXPECT_EQ(catalog.params.at(4), "true");
}

}  // namespace
}  // namespace opsagent::probes
