#include "agent/web/bearer_token.hpp"

#include <gtest/gtest.h>

namespace opsagent::web {
namespace {

config::Environment env_with(const std::optional<std::string>& value) {
  return [value](std::string_view name) -> std::optional<std::string> {
    if (name == "OPSAGENT_TOKEN") return value;
    return std::nullopt;
  };
}

config::Config with_token_env(std::string name) {
  config::Config c;
  c.agent.token_env = std::move(name);
  return c;
}

TEST(BearerToken, NoTokenConfiguredAdmitsEveryone) {
  auto t = BearerToken::from_config(config::Config{}, env_with(std::nullopt));
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->required());
  EXPECT_TRUE(t->admits(""));
}

TEST(BearerToken, AdmitsOnlyTheRightBearer) {
  auto t = BearerToken::from_config(with_token_env("OPSAGENT_TOKEN"), env_with("s3cret-token"));
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->required());
  EXPECT_TRUE(t->admits("Bearer s3cret-token"));
  EXPECT_TRUE(t->admits("bearer s3cret-token"));
  EXPECT_FALSE(t->admits(""));
  EXPECT_FALSE(t->admits("Bearer "));
  EXPECT_FALSE(t->admits("Bearer s3cret-toke"));
  EXPECT_FALSE(t->admits("Bearer s3cret-token2"));
  EXPECT_FALSE(t->admits("Basic s3cret-token"));
  EXPECT_FALSE(t->admits("s3cret-token"));
}

TEST(BearerToken, UnsetVariableFailsClosedWithoutLeakingAnything) {
  auto t = BearerToken::from_config(with_token_env("OPSAGENT_TOKEN"), env_with(std::nullopt));
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().find("OPSAGENT_TOKEN"), std::string::npos);
  auto empty = BearerToken::from_config(with_token_env("OPSAGENT_TOKEN"), env_with(""));
  EXPECT_FALSE(empty);
}

}  // namespace
}  // namespace opsagent::web
