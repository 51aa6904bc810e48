// readiness.search_path and readiness.accept_views (issue 13, findings 9 and 10).
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "config/test_helpers.hpp"

namespace opsagent::config {
namespace {

std::expected<Config, ConfigErrors> load(const std::string& readiness) {
  return load_config_string("[readiness]\n" + readiness, "r.toml", no_env());
}

TEST(SearchPath, DefaultsToPublicAndTablesOnly) {
  const auto c = load("");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->readiness.search_path, std::vector<std::string>{"public"});
  EXPECT_FALSE(c->readiness.accept_views);
}

TEST(SearchPath, TakesTheAppsSchemasInOrderFolded) {
  const auto c = load("search_path = [\"App\", \"public\"]\naccept_views = true\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->readiness.search_path, (std::vector<std::string>{"app", "public"}));
  EXPECT_TRUE(c->readiness.accept_views);
}

TEST(SearchPath, MistakesAreErrorsNamingTheItem) {
  const struct {
    std::string toml;
    std::string key;
    std::string says;
  } cases[] = {
      {"search_path = []", "readiness.search_path", "is empty"},
      {"search_path = \"public\"", "readiness.search_path", "expected an array of schema names"},
      {"search_path = [\"$user\", \"public\"]", "readiness.search_path[0]", "is not expanded"},
      {"search_path = [\"public\", \"a-b\"]", "readiness.search_path[1]", "is not a schema name"},
      {"search_path = [\"public\", 1]", "readiness.search_path[1]", "got integer"},
      {"accept_views = \"yes\"", "readiness.accept_views", "expected true or false"},
  };
  for (const auto& [toml, key, says] : cases) {
    const auto c = load(toml + "\n");
    ASSERT_FALSE(c) << toml;
    ASSERT_EQ(c.error().size(), 1u) << toml;
    EXPECT_EQ(c.error()[0].key, key) << c.error()[0].to_string();
    EXPECT_NE(c.error()[0].message.find(says), std::string::npos) << c.error()[0].to_string();
  }
}

}  // namespace
}  // namespace opsagent::config
