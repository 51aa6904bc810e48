#include "config/syntax/identifier.hpp"

#include <gtest/gtest.h>

#include "config/syntax/check_result.hpp"

namespace opsagent::config {
namespace {

TEST(ParseIdentifier, FoldsToLowerCase) {
  EXPECT_EQ(parse_identifier("Permits"), "permits");
  EXPECT_EQ(parse_identifier("_x$1"), "_x$1");
  EXPECT_EQ(parse_identifier(std::string(63, 'a')), std::string(63, 'a'));
}

TEST(ParseIdentifier, RejectsWhatWouldNeedQuoting) {
  EXPECT_TRUE(contains(error_of(parse_identifier("")), "empty"));
  EXPECT_TRUE(contains(error_of(parse_identifier("1abc")), "starts with a digit"));
  EXPECT_TRUE(contains(error_of(parse_identifier("$abc")), "starts with \"$\""));
  EXPECT_TRUE(contains(error_of(parse_identifier("my-table")), "contains \"-\""));
  EXPECT_TRUE(contains(error_of(parse_identifier("my table")), "contains \" \""));
  EXPECT_TRUE(contains(error_of(parse_identifier("\"quoted\"")), "quoted identifiers"));
  EXPECT_TRUE(contains(error_of(parse_identifier("caf\xc3\xa9")), "contains"));
  EXPECT_TRUE(contains(error_of(parse_identifier(std::string(64, 'a'))), "at most 63 bytes"));
}

TEST(ParseTableName, SplitsSchemaAndTable) {
  EXPECT_EQ(parse_table_name("permits"), (TableName{"", "permits"}));
  EXPECT_EQ(parse_table_name("Public.Permits"), (TableName{"public", "permits"}));
  EXPECT_TRUE(contains(error_of(parse_table_name("a.b.c")), "too many \".\""));
  EXPECT_TRUE(contains(error_of(parse_table_name("public.")), "empty"));
  EXPECT_TRUE(contains(error_of(parse_table_name(".permits")), "empty"));
  EXPECT_TRUE(contains(error_of(parse_table_name("public.my-table")), "\"my-table\" contains"));
}

TEST(CheckApplicationName, AllowsPrintableAsciiUpTo63) {
  EXPECT_TRUE(check_application_name("opsagent (staging)"));
  EXPECT_TRUE(check_application_name(std::string(63, 'x')));
  EXPECT_TRUE(contains(error_of(check_application_name("")), "is empty"));
  EXPECT_TRUE(contains(error_of(check_application_name(std::string(64, 'x'))), "64 characters"));
  EXPECT_TRUE(contains(error_of(check_application_name("a\tb")), "position 2"));
  EXPECT_TRUE(contains(error_of(check_application_name("caf\xc3\xa9")), "non-ASCII"));
}
}  // namespace
}  // namespace opsagent::config
