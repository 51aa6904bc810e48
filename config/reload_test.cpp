// The reload warning comes from the key table's Reload flags: only keys a reload cannot apply
// (agent.listen, agent.http_threads) raise it, and it names all of them.
#include "config/reload.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "config/keys.hpp"
#include "config/test_helpers.hpp"

namespace opsagent::config {
namespace {

constexpr std::string_view kWarning =
    "agent.listen and agent.http_threads apply at the next restart";

TEST(RestartWarning, OnlyForKeysThatApplyAtTheNextStart) {
  const Config in_force = loaded("");
  EXPECT_EQ(restart_warning(in_force, loaded("")), std::nullopt);
  EXPECT_EQ(restart_warning(in_force, loaded("[agent]\ninterval = \"5s\"\n")), std::nullopt);
  EXPECT_EQ(restart_warning(in_force, loaded("[agent]\nlisten = \"0.0.0.0:9090\"\n")), kWarning);
  EXPECT_EQ(restart_warning(in_force, loaded("[agent]\nlisten = \"127.0.0.1:8080\"\n")), kWarning);
  EXPECT_EQ(restart_warning(in_force, loaded("[agent]\nhttp_threads = 4\n")), kWarning);
}

TEST(RestartWarning, EveryRestartKeyCanTellAChange) {
  for (const auto& spec : config_keys()) {
    if (spec.reload == Reload::restart) {
      EXPECT_NE(spec.differs, nullptr) << spec.name;
    }
  }
}

}  // namespace
}  // namespace opsagent::config
