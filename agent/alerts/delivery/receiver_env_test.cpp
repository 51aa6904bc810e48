// receiver_env_findings: what `opsagent validate` says about url_env values set at validate time.
#include "agent/alerts/delivery/receiver_env.hpp"

#include <gtest/gtest.h>

#include "agent/alerts/delivery/delivery_test_helpers.hpp"

namespace opsagent::alerts::delivery_testing {
namespace {

config::Config config_with(std::vector<config::AlertReceiver> receivers) {
  config::Config c;
  c.alerts.receivers = std::move(receivers);
  return c;
}

config::AlertReceiver from_env(std::string name, Type type, std::string variable) {
  auto r = receiver(std::move(name), type, "");
  r.url_env = std::move(variable);
  return r;
}

TEST(ReceiverEnvFindings, AnUnusableUrlEnvIsNamedWithoutItsSecrets) {
  const auto config = config_with({from_env("slack", Type::slack, "SLACK_URL"),
                                   from_env("hook", Type::webhook, "HOOK_URL"),
                                   from_env("am", Type::alertmanager, "AM_URL")});
  const auto findings = receiver_env_findings(
      config, env_of({{"SLACK_URL", "https://hooks.slack.com/T/B/X"},
                      {"HOOK_URL", "https://ops:Pw-SECRET@hooks.example.com/x"},
                      {"AM_URL", "am:9093"}}));
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].rfind(
                "alerts.receivers[1].url_env (receiver \"hook\"): environment variable HOOK_URL "
                "(named by url_env) does not hold a usable URL: ",
                0),
            0u)
      << findings[0];
  EXPECT_NE(findings[0].find("user name or password"), std::string::npos) << findings[0];
  EXPECT_NE(findings[0].find("notifications to this receiver fail"), std::string::npos);
  EXPECT_EQ(findings[1].rfind("alerts.receivers[2].url_env (receiver \"am\"): ", 0), 0u)
      << findings[1];
  for (const auto& f : findings) {
    EXPECT_EQ(f.find("Pw-SECRET"), std::string::npos) << f;
    EXPECT_EQ(f.find("ops:"), std::string::npos) << f;
    EXPECT_EQ(f.find("am:9093"), std::string::npos) << f;
  }
}

TEST(ReceiverEnvFindings, UnsetVariablesAndPlainUrlsAreNotFindings) {
  // Validate often runs where the secrets are not (CI, a laptop): unset is not a finding.
  auto plain = receiver("plain", Type::webhook, "https://hooks.example.com/x");
  auto cmd = receiver("cmd", Type::exec, "");
  cmd.command = {"/bin/true"};
  const auto config = config_with({from_env("unset", Type::webhook, "UNSET_URL"),
                                   from_env("empty", Type::webhook, "EMPTY_URL"), plain, cmd});
  EXPECT_TRUE(receiver_env_findings(config, env_of({{"EMPTY_URL", ""}})).empty());
  EXPECT_TRUE(receiver_env_findings(config, config::Environment{}).empty());
}

}  // namespace
}  // namespace opsagent::alerts::delivery_testing
