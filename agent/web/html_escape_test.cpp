#include "agent/web/html_escape.hpp"

#include <gtest/gtest.h>

namespace opsagent::web {
namespace {

TEST(HtmlEscape, MarkupCharactersBecomeEntities) {
  EXPECT_EQ(html_escape(R"(<script>alert("x" & 'y')</script>)"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
  EXPECT_EQ(html_escape("plain web:1"), "plain web:1");
}

TEST(HtmlEscape, ControlsAndInvalidUtf8NeverReachThePage) {
  EXPECT_EQ(html_escape("a\x1b[1mb\tc\xc0\xaf"), "a?[1mb c??");
  EXPECT_EQ(html_escape("caf\xc3\xa9 \xe2\x80\xa6"), "café …");
}

}  // namespace
}  // namespace opsagent::web
