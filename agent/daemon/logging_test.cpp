#include "agent/daemon/logging.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace opsagent::daemon {
namespace {

using nlohmann::json;

TEST(JsonLogFormatter, OneEscapedObjectPerLine) {
  auto f = make_json_formatter();
  spdlog::details::log_msg msg(spdlog::source_loc{}, "opsagent", spdlog::level::warn,
                               "quote \" newline \n tab \t");
  spdlog::memory_buf_t buf;
  f->format(msg, buf);
  std::string line(buf.data(), buf.size());
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto j = json::parse(line);
  EXPECT_EQ(j["level"], "warning");
  EXPECT_EQ(j["msg"], "quote \" newline \n tab \t");
  EXPECT_TRUE(j.contains("ts"));
}

}  // namespace
}  // namespace opsagent::daemon
