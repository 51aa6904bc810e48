#include "common/text/utf8.hpp"

#include <gtest/gtest.h>

#include "common/text/time_format.hpp"

namespace opsagent::common {
namespace {

TEST(Utf8, SequenceLengthFollowsTheWellFormedTable) {
  char32_t cp = 0;
  EXPECT_EQ(utf8_sequence_length("a", 0, &cp), 1u);
  EXPECT_EQ(cp, U'a');
  EXPECT_EQ(utf8_sequence_length("\xC3\xA9", 0, &cp), 2u);
  EXPECT_EQ(cp, U'\u00E9');
  EXPECT_EQ(utf8_sequence_length("\xE2\x80\xA6", 0, &cp), 3u);
  EXPECT_EQ(cp, U'\u2026');
  EXPECT_EQ(utf8_sequence_length("\xF0\x9F\x98\x80", 0, &cp), 4u);
  EXPECT_EQ(cp, U'\U0001F600');
  EXPECT_EQ(utf8_sequence_length("\xC0\xAF", 0), 0u);          // overlong
  EXPECT_EQ(utf8_sequence_length("\xE0\x80\xAF", 0), 0u);      // overlong
  EXPECT_EQ(utf8_sequence_length("\xED\xA0\x80", 0), 0u);      // surrogate
  EXPECT_EQ(utf8_sequence_length("\xF4\x90\x80\x80", 0), 0u);  // past U+10FFFF
  EXPECT_EQ(utf8_sequence_length("\xE2\x80", 0), 0u);          // truncated
  EXPECT_EQ(utf8_sequence_length("\x80", 0), 0u);              // lone continuation
}

TEST(Utf8, ValidUtf8ReplacesEachIllFormedByte) {
  EXPECT_EQ(valid_utf8("ok\xFF\xFEok"), "ok\uFFFD\uFFFDok");
  EXPECT_EQ(valid_utf8("caf\xC3\xA9"), "caf\u00E9");
}

TEST(Utf8, PrintableDropsTerminalControls) {
  EXPECT_EQ(printable("a\x1b[31mred"), "a?[31mred");
  EXPECT_EQ(printable("tab\tnew\nline"), "tab new line");
  EXPECT_EQ(printable("c1\xC2\x9B"), "c1?");
  EXPECT_EQ(printable("bad\xFF"), "bad?");
  EXPECT_EQ(printable("caf\xC3\xA9"), "caf\u00E9");
}

TEST(Utf8, CutsNeverSplitASequence) {
  const std::string s = "\u00E9\u00E9\u00E9";  // 6 bytes, 3 characters
  EXPECT_EQ(utf8_cut_point(s, 3), 2u);
  EXPECT_EQ(cut_bytes(s, 6), s);
  EXPECT_EQ(cut_bytes(s, 5), "\u00E9\u2026");
  EXPECT_EQ(count_chars(s), 3u);
  EXPECT_EQ(cut_chars(s, 2), "\u00E9\u2026");
  EXPECT_EQ(cut_chars(s, 3), s);
}

TEST(TimeFormat, Rfc3339InUtcWithMilliseconds) {
  const WallClock::time_point t{std::chrono::milliseconds(1'764'648'445'123)};
  EXPECT_EQ(rfc3339(t), "2025-12-02T04:07:25.123Z");
  EXPECT_EQ(rfc3339(WallClock::time_point{}), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace opsagent::common
