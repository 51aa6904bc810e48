#include "agent/web/text_layout.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "common/text/utf8.hpp"

namespace opsagent::web {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(TextLayout, FitPadsOrCutsToExactlyTheWidthInCharacters) {
  EXPECT_EQ(fit("web", 6), "web   ");
  EXPECT_EQ(fit("webworker", 6), "webwo…");
  EXPECT_EQ(fit("é", 3), "é  ");                          // two bytes, one column
  EXPECT_EQ(common::count_chars(fit("ééééééé", 4)), 4u);  // never cuts inside a character
  EXPECT_EQ(fit("ééééééé", 4), "ééé…");
}

TEST(TextLayout, FitNeutralizesControlsAndInvalidBytes) {
  EXPECT_EQ(fit("a\x1b[31mb", 8), "a?[31mb ");
  EXPECT_EQ(fit("a\tb\xff", 5), "a b? ");
}

TEST(TextLayout, WrapBreaksAtSpacesWithinTheWidth) {
  const std::string words(30, 'w');
  const auto text = wrap("first ", words + " " + words + " " + words + " " + words, "      ");
  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 2u) << text;
  EXPECT_EQ(lines[0], "first " + words + " " + words + " " + words);
  EXPECT_EQ(lines[1], "      " + words);
  for (const auto& line : lines) EXPECT_LE(common::count_chars(line), kTextWidth) << line;
  EXPECT_TRUE(text.ends_with("\n"));
}

TEST(TextLayout, WrapLeavesALongWordWhole) {
  const std::string word(150, 'x');
  EXPECT_EQ(wrap("> ", word, "  "), "> " + word + "\n");
}

TEST(TextLayout, WrapKeepsShortTextOnOneLine) {
  EXPECT_EQ(wrap("sessions    ", "3 total:  2 active", "            "),
            "sessions    3 total:  2 active\n");
}

TEST(TextLayout, JoinPartsBreaksOnlyBetweenParts) {
  EXPECT_EQ(join_parts({"READY", "opsagent 1.0"}), "READY  |  opsagent 1.0\n");
  const std::string part(60, 'p');
  const auto text = join_parts({part, part, "tail"});
  EXPECT_EQ(text, part + "\n    " + part + "  |  tail\n");
  for (const auto& line : lines_of(text)) EXPECT_FALSE(line.ends_with("|")) << line;
}

}  // namespace
}  // namespace opsagent::web
