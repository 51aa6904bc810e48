// The environment of an exec receiver's command.
#include "agent/alerts/payloads/exec_environment.hpp"

#include <gtest/gtest.h>

#include "agent/alerts/payloads/payloads_test_helpers.hpp"

namespace opsagent::alerts::payload_testing {
namespace {

TEST(ExecEnvironment, Variables) {
  const auto env = exec_environment(notification(), who());
  const std::vector<std::string> expected = {
      "OPSAGENT_ALERT_ID=msg_0123456789abcdef01234567",
      "OPSAGENT_ALERT_KIND=firing",
      "OPSAGENT_ALERT_STATUS=firing",
      "OPSAGENT_ALERT_RULE=pool_saturation",
      "OPSAGENT_ALERT_NAME=PostgresPoolSaturation",
      "OPSAGENT_ALERT_SEVERITY=critical",
      "OPSAGENT_ALERT_FINGERPRINT=" + notification().alert.fingerprint,
      "OPSAGENT_ALERT_SUMMARY=Postgres connections at 96% (93/97)",
      // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one value, split over two lines
      "OPSAGENT_ALERT_DETAILS=used 93 of 97 usable (100 - 3 reserved)\nweb: 80 (idle 60, active "
      "20)",
      "OPSAGENT_ALERT_STARTS_AT=2026-11-22T03:04:05.123Z",
      "OPSAGENT_ALERT_ENDS_AT=",
      "OPSAGENT_ALERT_RUNBOOK_URL=https://runbooks.example/pool?team=db&x=1",
      "OPSAGENT_ALERT_INSTANCE=db-agent-1",
  };
  EXPECT_EQ(env, expected);
  const auto resolved = exec_environment(notification(NotificationKind::resolved), who());
  EXPECT_NE(std::find(resolved.begin(), resolved.end(), "OPSAGENT_ALERT_STATUS=resolved"),
            resolved.end());
  EXPECT_NE(std::find(resolved.begin(), resolved.end(),
                      "OPSAGENT_ALERT_ENDS_AT=2026-11-22T03:09:00.000Z"),
            resolved.end());
}

TEST(ExecEnvironment, ValuesAreCutAndHaveNoNul) {
  auto n = notification();
  n.alert.summary = std::string("a\0b", 3);
  n.alert.details = {repeat("日", 3000)};  // 9000 bytes
  for (const auto& var : exec_environment(n, who())) {
    EXPECT_EQ(var.find('\0'), std::string::npos);
    const std::string value = var.substr(var.find('=') + 1);
    EXPECT_LE(value.size(), 4096u) << var.substr(0, var.find('='));
    EXPECT_TRUE(valid_utf8(value));
    if (var.starts_with("OPSAGENT_ALERT_SUMMARY=")) {
      EXPECT_EQ(value, "ab");
    }
    if (var.starts_with("OPSAGENT_ALERT_DETAILS=")) {
      EXPECT_TRUE(ends_with(value, "日…"));
      EXPECT_GT(value.size(), 4090u);
    }
  }
}

}  // namespace
}  // namespace opsagent::alerts::payload_testing
