#include "config/syntax/threshold.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace opsagent::config {
namespace {

using Kind = Threshold::Kind;

std::string error_of(const std::expected<Threshold, std::string>& r) {
  return r ? "<accepted " + format_threshold(*r) + ">" : r.error();
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(ParseThresholdText, AcceptsPercentagesAndSlotsLeft) {
  struct Case {
    std::string_view text;
    Threshold want;
  };
  for (const Case& c : {Case{"80%", {Kind::percent, 80}}, Case{"92.5%", {Kind::percent, 92.5}},
                        Case{"100%", {Kind::percent, 100}}, Case{"0.5%", {Kind::percent, 0.5}},
                        Case{"100.0%", {Kind::percent, 100}}, Case{"080%", {Kind::percent, 80}},
                        Case{"-5", {Kind::slots_left, 5}}, Case{"-0", {Kind::slots_left, 0}},
                        Case{"-262143", {Kind::slots_left, 262143}}}) {
    const auto r = parse_threshold_text(c.text);
    ASSERT_TRUE(r) << c.text << ": " << r.error();
    EXPECT_EQ(*r, c.want) << c.text;
  }
}

TEST(ParseThresholdText, ExplainsEachMistake) {
  struct Case {
    std::string_view text, phrase;
  };
  const std::string huge = "1" + std::string(400, '0') + "%";  // too big even for a double
  for (const Case& c : {
           Case{"0%", "\"0%\" is out of range; a percentage must be above 0% and at most 100%"},
           Case{"0.0%", "is out of range"},
           Case{"101%", "\"101%\" is out of range"},
           Case{"100.5%", "is out of range"},
           Case{"-5%", "\"-5%\" is out of range"},
           Case{huge, "is out of range"},
           Case{"80 %", "\"80 %\" is not a percentage; write a number above 0 and at most 100"},
           Case{" 80%", "is not a percentage"},
           Case{"1e2%", "is not a percentage"},
           Case{"+80%", "is not a percentage"},
           Case{".5%", "is not a percentage"},
           Case{"80.%", "is not a percentage"},
           Case{"8.0.0%", "is not a percentage"},
           Case{"inf%", "is not a percentage"},
           Case{"nan%", "is not a percentage"},
           Case{"%", "is not a percentage"},
           Case{"80%%", "is not a percentage"},
           Case{"-x",
                "\"-x\" is not a number of slots left; write a minus sign and a whole number, "
                "like \"-5\""},
           Case{"-", "is not a number of slots left"},
           Case{"--5", "is not a number of slots left"},
           Case{"- 5", "is not a number of slots left"},
           Case{"-5.5", "is not a number of slots left"},
           Case{"-262144", "\"-262144\" is out of range; Postgres allows at most 262143"},
           Case{"-99999999999999999999999", "is out of range"},
           Case{"5",
                "\"5\" is a number in quotes; write 5 without quotes for a count of "
                "connections in use, \"-5\" for at most 5 slots left, or \"5%\" for a "
                "percentage"},
           Case{"85", "write 85 without quotes"},
           Case{"1234567", "\"1234567\" is not a threshold; use \"80%\""},
           Case{"+5",
                "\"+5\" is not a threshold; use \"80%\" (a percentage of the usable slots), "
                "an integer like 85 (connections in use) or \"-5\" (at most 5 usable slots "
                "left)"},
           Case{"eighty", "is not a threshold"},
           Case{"", "the threshold is empty; use \"80%\""},
       }) {
    EXPECT_PRED2(contains, error_of(parse_threshold_text(c.text)), c.phrase) << c.text;
  }
}

TEST(ThresholdFromCount, AcceptsOneUpToThePostgresLimit) {
  for (std::int64_t n : {1, 85, 262143}) {
    const auto r = threshold_from_count(n);
    ASSERT_TRUE(r) << n << ": " << r.error();
    EXPECT_EQ(*r, (Threshold{Kind::count, static_cast<double>(n)}));
  }
}

TEST(ThresholdFromCount, ExplainsEachMistake) {
  EXPECT_EQ(error_of(threshold_from_count(0)),
            "0 is out of range; a count of connections in use must be at least 1 (to mean no "
            "usable slots left, write \"-0\")");
  EXPECT_EQ(error_of(threshold_from_count(-5)),
            "-5 is not a count of connections; to mean at most 5 usable slots left, write it in "
            "quotes: \"-5\"");
  EXPECT_PRED2(contains, error_of(threshold_from_count(262144)),
               "262144 is out of range; Postgres allows at most 262143 connections");
  EXPECT_PRED2(contains, error_of(threshold_from_count(std::numeric_limits<std::int64_t>::min())),
               "is not a count");
  EXPECT_PRED2(contains, error_of(threshold_from_count(std::numeric_limits<std::int64_t>::max())),
               "is out of range");
}

TEST(FormatThreshold, WritesWhatTheUserWouldWrite) {
  EXPECT_EQ(format_threshold({Kind::percent, 80}), "80%");
  EXPECT_EQ(format_threshold({Kind::percent, 92.5}), "92.5%");
  EXPECT_EQ(format_threshold({Kind::percent, 100}), "100%");
  EXPECT_EQ(format_threshold({Kind::count, 85}), "85");
  EXPECT_EQ(format_threshold({Kind::slots_left, 5}), "-5");
  EXPECT_EQ(format_threshold({Kind::slots_left, 0}), "-0");
  EXPECT_EQ(format_threshold({Kind::slots_left, -0.0}), "-0");
  EXPECT_EQ(format_threshold({Kind::percent, 1e-10}), "0.0000000001%");
  EXPECT_EQ(format_threshold(PoolSection{}.warn), "80%");
  EXPECT_EQ(format_threshold(PoolSection{}.critical), "95%");
}

TEST(FormatThreshold, RoundTripsThroughTheParsers) {
  // Canonical texts come back unchanged.
  for (std::string_view text : {"80%", "92.5%", "0.5%", "100%", "-5", "-0", "-262143"}) {
    const auto r = parse_threshold_text(text);
    ASSERT_TRUE(r) << text;
    EXPECT_EQ(format_threshold(*r), text);
  }
  for (std::int64_t n : {1, 85, 262143}) {
    EXPECT_EQ(format_threshold(*threshold_from_count(n)), std::to_string(n));
  }
  // Any accepted percentage, however many digits, reads back as the same value.
  for (double p : {100.0 / 3, 0.1, 99.99999999999999, 1e-10, 12.345678901234567}) {
    const Threshold t{Kind::percent, p};
    const auto r = parse_threshold_text(format_threshold(t));
    ASSERT_TRUE(r) << format_threshold(t) << ": " << r.error();
    EXPECT_EQ(*r, t) << format_threshold(t);
  }
  EXPECT_EQ(format_threshold(*parse_threshold_text("080.50%")), "80.5%");
}

// A small exhaustive stand-in for the fuzzer: every string of up to two bytes is either refused
// with a message or accepted and survives a format/parse round trip.
TEST(ParseThresholdText, EveryShortInputIsHandled) {
  std::string text;
  const auto check = [](const std::string& s) {
    const auto r = parse_threshold_text(s);
    if (!r) {
      EXPECT_FALSE(r.error().empty()) << s;
      return;
    }
    const auto again = parse_threshold_text(format_threshold(*r));
    ASSERT_TRUE(again) << s;
    EXPECT_EQ(*again, *r) << s;
  };
  for (int a = 0; a < 256; ++a) {
    check(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) check(std::string{static_cast<char>(a), static_cast<char>(b)});
  }
}

TEST(ThresholdReached, PercentAtTheBoundary) {
  const Threshold eighty{Kind::percent, 80};  // 80% of 97 = 77.6 connections
  EXPECT_FALSE(eighty.reached(77, 97));
  EXPECT_TRUE(eighty.reached(78, 97));
  const Threshold exact{Kind::percent, 92.5};  // 92.5% of 40 = 37 exactly
  EXPECT_FALSE(exact.reached(36, 40));
  EXPECT_TRUE(exact.reached(37, 40));
  const Threshold all{Kind::percent, 100};
  EXPECT_FALSE(all.reached(96, 97));
  EXPECT_TRUE(all.reached(97, 97));
  // No usable slots at all (e.g. not yet known) is never a percentage of them.
  EXPECT_FALSE(eighty.reached(0, 0));
  EXPECT_FALSE(eighty.reached(5, 0));
}

TEST(ThresholdReached, CountAtTheBoundary) {
  const Threshold t{Kind::count, 85};
  EXPECT_FALSE(t.reached(84, 97));
  EXPECT_TRUE(t.reached(85, 97));
  EXPECT_TRUE(t.reached(85, 0));  // a count does not depend on the slots
}

TEST(ThresholdReached, SlotsLeftAtTheBoundary) {
  const Threshold five{Kind::slots_left, 5};
  EXPECT_FALSE(five.reached(91, 97));  // 6 left
  EXPECT_TRUE(five.reached(92, 97));   // 5 left
  const Threshold none{Kind::slots_left, 0};
  EXPECT_FALSE(none.reached(96, 97));
  EXPECT_TRUE(none.reached(97, 97));
  EXPECT_TRUE(none.reached(98, 97));  // superusers may use reserved slots beyond the usable ones
}

}  // namespace
}  // namespace opsagent::config
