#include "agent/web/json_body.hpp"

#include <gtest/gtest.h>

namespace opsagent::web {
namespace {

TEST(ToBody, InvalidUtf8FromTheServerDoesNotThrow) {
  const nlohmann::json j{{"output", std::string("bad \xff byte")}};
  std::string body;
  EXPECT_NO_THROW(body = to_body(j));
  EXPECT_EQ(body, "{\"output\":\"bad \xEF\xBF\xBD byte\"}");
}

TEST(ToBody, CompactOnOneLine) {
  const nlohmann::json j{{"a", 1}, {"b", {true, nullptr}}};
  EXPECT_EQ(to_body(j), R"({"a":1,"b":[true,null]})");
}

}  // namespace
}  // namespace opsagent::web
