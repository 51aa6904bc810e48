// Helpers of the config tests: environments, loading a TOML text expecting success or failure,
// and matching one error by position, key and phrase. Included by config/*_test.cpp only (not
// a test itself). Thread-safety: test code, one thread.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/load.hpp"

namespace opsagent::config {

inline Environment no_env() {
  return [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
}

inline Environment env_of(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

inline std::string dump(const ConfigErrors& errors) {
  std::string out;
  for (const auto& e : errors) out += "\n  " + e.to_string();
  return out;
}

// Loads `toml` expecting success; on failure the test fails and lists the errors.
inline Config loaded(std::string_view toml, const Environment& env = no_env()) {
  auto r = load_config_string(toml, "test.toml", env);
  if (!r) {
    ADD_FAILURE() << "unexpected errors:" << dump(r.error()) << "\nin:\n" << toml;
    return {};
  }
  return *r;
}

// Loads `toml` expecting failure; returns the errors (none, after a test failure, on success).
inline ConfigErrors errors_of(std::string_view toml, const Environment& env = no_env()) {
  auto r = load_config_string(toml, "test.toml", env);
  if (r) {
    ADD_FAILURE() << "loaded without errors:\n" << toml;
    return {};
  }
  return r.error();
}

struct Expected {
  int line;
  int column;
  std::string_view key;
  std::string_view phrase;  // must occur in the message
};

inline testing::AssertionResult matches(const ConfigError& e, const Expected& x) {
  if (e.line == x.line && e.column == x.column && e.key == x.key &&
      e.message.find(x.phrase) != std::string::npos) {
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure()
         << "got " << e.line << ":" << e.column << " key '" << e.key << "': " << e.message
         << "\nwanted " << x.line << ":" << x.column << " key '" << x.key
         << "' containing: " << x.phrase;
}

// The file must produce exactly this one error; one in the file names test.toml.
inline void expect_single_error(std::string_view toml, const Expected& x,
                                const Environment& env = no_env()) {
  const ConfigErrors errors = errors_of(toml, env);
  ASSERT_EQ(errors.size(), 1u) << dump(errors) << "\nin:\n" << toml;
  EXPECT_TRUE(matches(errors[0], x)) << "in:\n" << toml;
  EXPECT_EQ(errors[0].file, errors[0].line > 0 ? "test.toml" : errors[0].file);
}

}  // namespace opsagent::config
