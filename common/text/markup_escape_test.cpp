#include "common/text/markup_escape.hpp"

#include <gtest/gtest.h>

namespace opsagent::common {
namespace {

std::string escaped(std::string_view text, Quotes quotes) {
  std::string out = "prefix:";
  append_markup_escaped(out, text, quotes);
  return out;
}

TEST(MarkupEscapeTest, EscapesTheThreeSyntaxCharactersAndAppends) {
  EXPECT_EQ(escaped("a<b>&c", Quotes::kKeep), "prefix:a&lt;b&gt;&amp;c");
}

TEST(MarkupEscapeTest, QuotesOnlyWhenAsked) {
  EXPECT_EQ(escaped(R"(say "hi" it's)", Quotes::kKeep), R"(prefix:say "hi" it's)");
  EXPECT_EQ(escaped(R"(say "hi" it's)", Quotes::kEscape), "prefix:say &quot;hi&quot; it&#39;s");
}

TEST(MarkupEscapeTest, AnEntityIsEscapedAgainNotPassedThrough) {
  EXPECT_EQ(escaped("&amp;", Quotes::kKeep), "prefix:&amp;amp;");
}

}  // namespace
}  // namespace opsagent::common
