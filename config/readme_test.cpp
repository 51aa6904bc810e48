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

template <class Draft>
void expect_entry_rows(const std::string& text, std::span<const KeySpec<Draft>> keys) {
  for (const auto& spec : keys) {
    const std::string fallback =
        spec.fallback.empty() ? "none" : "`" + std::string(spec.fallback) + "`";
    const std::string row = "| `" + dotted_key(spec) + "` | " + fallback + " |";
    EXPECT_NE(text.find("\n" + row), std::string::npos) << "README.md lacks the row " << row;
  }
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
  // The keys of an [[upstreams]] or [[jobs]] block have rows of their own, required keys with
  // "none".
  expect_entry_rows(text, upstream_keys());
  expect_entry_rows(text, job_keys());
  expect_entry_rows(text, query_keys());
  expect_entry_rows(text, query_threshold_keys());
}

}  // namespace
}  // namespace opsagent::config
