#include "common/text/log_text.hpp"

#include <gtest/gtest.h>

namespace opsagent::common {
namespace {

TEST(LogSafe, KeepsPrintableAsciiOnly) {
  EXPECT_EQ(log_safe("hooks.example.com"), "hooks.example.com");
  EXPECT_EQ(log_safe("line one\nline\ttwo\n"), "line one line two");
  EXPECT_EQ(log_safe("esc\x1b[31m"), "esc?[31m");
  EXPECT_EQ(log_safe("caf\xC3\xA9"), "caf??");  // not UTF-8 aware: log lines stay ASCII
  EXPECT_EQ(log_safe(std::string_view("a\0b", 3)), "a?b");
  EXPECT_EQ(log_safe("   "), "");
}

}  // namespace
}  // namespace opsagent::common
