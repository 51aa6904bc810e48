// README.md's configuration table is the user's quick reference: every key of the key table must
// have its row there, with the real default, written as the others are.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/keys.hpp"

namespace opsagent::config {
namespace {

std::string readme_text() {
  const auto path = std::filesystem::path(__FILE__).parent_path().parent_path() / "README.md";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Readme, ConfigTableHasEveryKeyWithItsDefault) {
  const std::string text = readme_text();
  ASSERT_NE(text.find("## Configuration"), std::string::npos);
  for (const auto& spec : config_keys()) {
    const std::string key = dotted_key(spec);
    const std::string row = spec.type == "array of tables"
                                ? "| `[[" + key + "]]` | none |"
                                : "| `" + key + "` | `" + std::string(spec.fallback) + "` |";
    EXPECT_NE(text.find("\n" + row), std::string::npos) << "README.md lacks the row " << row;
  }
  // The keys of an [[upstreams]] block have rows of their own, required keys with "none".
  for (const auto& spec : upstream_keys()) {
    const std::string fallback =
        spec.fallback.empty() ? "none" : "`" + std::string(spec.fallback) + "`";
    const std::string row = "| `" + dotted_key(spec) + "` | " + fallback + " |";
    EXPECT_NE(text.find("\n" + row), std::string::npos) << "README.md lacks the row " << row;
  }
}

}  // namespace
}  // namespace opsagent::config
