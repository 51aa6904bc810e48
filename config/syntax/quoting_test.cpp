#include "config/syntax/quoting.hpp"

#include <gtest/gtest.h>

namespace opsagent::config {
namespace {

TEST(InQuotes, EscapesAndShortens) {
  EXPECT_EQ(in_quotes("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(in_quotes("a\nb"), "\"a\\x0ab\"");
  EXPECT_EQ(in_quotes(std::string(100, 'x')), "\"" + std::string(64, 'x') + "...\"");
}
}  // namespace
}  // namespace opsagent::config
