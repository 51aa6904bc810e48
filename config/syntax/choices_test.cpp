#include "config/syntax/choices.hpp"

#include <gtest/gtest.h>

#include "config/syntax/check_result.hpp"

namespace opsagent::config {
namespace {

TEST(ParseLog, AcceptsKnownNamesAndHintsNearMisses) {
  for (const auto* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    EXPECT_EQ(parse_log_level(level), level);
  }
  EXPECT_EQ(error_of(parse_log_level("INFO")),
            "\"INFO\" is not a log level; use trace, debug, info, warn, error, critical or off "
            "(did you mean \"info\"?)");
  EXPECT_TRUE(contains(error_of(parse_log_level("warnn")), "did you mean \"warn\"?"));
  EXPECT_FALSE(contains(error_of(parse_log_level("verbose")), "did you mean"));
  EXPECT_EQ(parse_log_format("text"), LogSection::Format::text);
  EXPECT_EQ(parse_log_format("json"), LogSection::Format::json);
  EXPECT_TRUE(contains(error_of(parse_log_format("JSON")), "did you mean \"json\"?"));
}

TEST(ParseOnExit, AcceptsExitAndRestart) {
  EXPECT_EQ(parse_on_exit("exit"), SuperviseSection::OnExit::exit);
  EXPECT_EQ(parse_on_exit("restart"), SuperviseSection::OnExit::restart);
  EXPECT_TRUE(contains(error_of(parse_on_exit("EXIT")), "did you mean \"exit\"?"));
  EXPECT_TRUE(contains(error_of(parse_on_exit("")), "is not an on_exit action"));
}
}  // namespace
}  // namespace opsagent::config
