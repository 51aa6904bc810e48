#include "config/syntax/duration.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

// The error text; on success, a text that fails any comparison readably (error() would be UB).
std::string error_of(std::string_view text) {
  const auto r = parse_duration(text);
  return r ? "<parsed as " + std::to_string(r->count()) + "ms>" : r.error();
}

TEST(ParseDuration, AcceptsEachUnit) {
  EXPECT_EQ(parse_duration("500ms"), Duration{500});
  EXPECT_EQ(parse_duration("5s"), Duration{5000});
  EXPECT_EQ(parse_duration("2m"), Duration{120000});
  EXPECT_EQ(parse_duration("1h"), Duration{3600000});
}

TEST(ParseDuration, AcceptsZeroAndLeadingZeros) {
  EXPECT_EQ(parse_duration("0s"), Duration{0});
  EXPECT_EQ(parse_duration("0ms"), Duration{0});
  EXPECT_EQ(parse_duration("007s"), Duration{7000});
}

TEST(ParseDuration, AddsGroupsWrittenTogether) {
  EXPECT_EQ(parse_duration("1m30s"), Duration{90000});
  EXPECT_EQ(parse_duration("1h2m3s4ms"), Duration{3723004});
  EXPECT_EQ(parse_duration("1s500ms"), Duration{1500});
  // "m" followed by "s" is the unit ms, not minutes then a stray s.
  EXPECT_EQ(parse_duration("3ms"), Duration{3});
}

TEST(ParseDuration, RejectsEmpty) {
  const auto r = parse_duration("");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("empty"), std::string::npos) << r.error();
}

TEST(ParseDuration, RejectsBareNumberNamingTheNumber) {
  const auto r = parse_duration("5");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "missing unit after \"5\" (use ms, s, m or h)");
}

TEST(ParseDuration, RejectsMissingUnitInLaterGroup) {
  const auto r = parse_duration("1m30");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "missing unit after \"30\" (use ms, s, m or h)");
}

TEST(ParseDuration, RejectsUnknownUnits) {
  for (const auto* text : {"5x", "5sec", "5S", "1d", "5us"}) {
    const auto r = parse_duration(text);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().find("unknown unit"), std::string::npos) << text << ": " << r.error();
    EXPECT_NE(r.error().find("(use ms, s, m or h)"), std::string::npos) << r.error();
  }
  EXPECT_EQ(error_of("5x"), "unknown unit \"x\" (use ms, s, m or h)");
}

TEST(ParseDuration, RejectsSigns) {
  EXPECT_NE(error_of("-5s").find("negative"), std::string::npos);
  EXPECT_NE(error_of("+5s").find("no sign"), std::string::npos);
}

TEST(ParseDuration, RejectsSpaces) {
  for (const auto* text : {" 5s", "5s ", "5 s", "1m 30s", "\t5s"}) {
    const auto r = parse_duration(text);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().find("no spaces"), std::string::npos) << text << ": " << r.error();
  }
}

TEST(ParseDuration, RejectsFractionsSuggestingSmallerUnit) {
  const auto r = parse_duration("1.5s");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("no fractions"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("1500ms"), std::string::npos) << r.error();
}

TEST(ParseDuration, RejectsUnitWithoutNumber) {
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("ms"));
  EXPECT_FALSE(parse_duration("5ss"));  // "ss" is not a unit
}

TEST(ParseDuration, RejectsUnitsOutOfOrderOrRepeated) {
  for (const auto* text : {"30s1m", "1s1s", "500ms1s", "1m1h"}) {
    const auto r = parse_duration(text);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().find("largest to smallest"), std::string::npos) << r.error();
  }
}

TEST(ParseDuration, RejectsOtherCharacters) {
  EXPECT_FALSE(parse_duration("5s;"));
  EXPECT_FALSE(parse_duration("\"5s\""));
  EXPECT_FALSE(parse_duration(std::string_view("5s\0", 3)));
}

TEST(ParseDuration, DetectsOverflowInsteadOfWrapping) {
  // 2^63 - 1 ms is the largest Duration; one more must fail rather than wrap to negative.
  EXPECT_EQ(parse_duration("9223372036854775807ms"), Duration{INT64_MAX});
  EXPECT_EQ(error_of("9223372036854775808ms"), "too large");
  EXPECT_EQ(error_of("99999999999999999999999s"), "too large");
  EXPECT_EQ(parse_duration("2562047788015h"), Duration{9'223'372'036'854'000'000});
  EXPECT_EQ(error_of("2562047788016h"), "too large");  // sum beyond int64
  EXPECT_EQ(error_of("2562047788015h13m"), "too large");
  EXPECT_EQ(error_of("9999999999999h"), "too large");  // product beyond uint64
}

TEST(FormatDuration, UsesLargestExactUnit) {
  EXPECT_EQ(format_duration(Duration{0}), "0s");
  EXPECT_EQ(format_duration(Duration{1500}), "1500ms");
  EXPECT_EQ(format_duration(Duration{2000}), "2s");
  EXPECT_EQ(format_duration(Duration{120000}), "2m");
  EXPECT_EQ(format_duration(Duration{3600000}), "1h");
  EXPECT_EQ(format_duration(Duration{90000}), "90s");
  EXPECT_EQ(format_duration(15min), "15m");
}

TEST(FormatDuration, CombinesUnitsOnlyWhenShorter) {
  EXPECT_EQ(format_duration(1h + 1s), "1h1s");          // "3601s" is longer
  EXPECT_EQ(format_duration(1h + 1500ms), "1h1500ms");  // shorter than "1h1s500ms"
  EXPECT_EQ(format_duration(Duration{61000}), "61s");   // not "1m1s"
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (const std::int64_t ms :
       std::initializer_list<std::int64_t>{0, 1, 999, 1000, 1001, 59999, 60000, 61000, 3599999,
                                           3600000, 3601500, 86400000, 123456789, INT64_MAX}) {
    const Duration d{ms};
    const std::string text = format_duration(d);
    const auto back = parse_duration(text);
    ASSERT_TRUE(back) << ms << " -> " << text << ": " << back.error();
    EXPECT_EQ(*back, d) << text;
  }
}

TEST(FormatDuration, NegativeValuesAreMarked) {
  EXPECT_EQ(format_duration(Duration{-1500}), "-1500ms");
  EXPECT_EQ(format_duration(Duration{INT64_MIN}).front(), '-');
}

}  // namespace
}  // namespace opsagent::config
