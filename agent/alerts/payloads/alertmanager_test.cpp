// The Alertmanager API v2 body: endsAt on firing, resolve and escalation.
#include "agent/alerts/payloads/alertmanager.hpp"

#include <gtest/gtest.h>

#include "agent/alerts/payloads/payloads_test_helpers.hpp"

namespace opsagent::alerts::payload_testing {
namespace {

TEST(AlertmanagerBody, FiringEndsAfterTtl) {
  const auto n = notification();
  const json j = json::parse(alertmanager_body(n, at(4, 0, 0, 0), 5min, who()));
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(
      j[0]["labels"],
      json({{"alertname", "PostgresPoolSaturation"}, {"client", "web"}, {"severity", "critical"}}));
  EXPECT_EQ(j[0]["annotations"]["summary"], "Postgres connections at 96% (93/97)");
  EXPECT_EQ(j[0]["annotations"]["description"],
            "used 93 of 97 usable (100 - 3 reserved)\nweb: 80 (idle 60, active 20)");
  EXPECT_EQ(j[0]["annotations"]["runbook_url"], "https://runbooks.example/pool?team=db&x=1");
  EXPECT_EQ(j[0]["startsAt"], "2026-11-22T03:04:05.123Z");
  EXPECT_EQ(j[0]["endsAt"], "2026-11-22T04:05:00.000Z");
  EXPECT_EQ(j[0]["generatorURL"], "https://agent.example/status");
}

TEST(AlertmanagerBody, ResolvedEndsAtTheAlertsEnd) {
  const json j = json::parse(
      alertmanager_body(notification(NotificationKind::resolved), at(4, 0, 0, 0), 5min, who()));
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["endsAt"], "2026-11-22T03:09:00.000Z");
}

TEST(AlertmanagerBody, EscalationEndsThePreviousSeverity) {
  auto n = notification(NotificationKind::escalated);
  n.previous_severity = Severity::warning;
  const json j = json::parse(alertmanager_body(n, at(4, 0, 0, 0), 5min, who()));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["labels"]["severity"], "critical");
  EXPECT_EQ(j[0]["endsAt"], "2026-11-22T04:05:00.000Z");
  EXPECT_EQ(j[1]["labels"]["severity"], "warning");
  EXPECT_EQ(j[1]["labels"]["alertname"], "PostgresPoolSaturation");
  EXPECT_EQ(j[1]["endsAt"], "2026-11-22T04:00:00.000Z");

  auto d = notification(NotificationKind::deescalated);
  d.alert.severity = Severity::warning;
  d.previous_severity = Severity::critical;
  const json k = json::parse(alertmanager_body(d, at(4, 0, 0, 0), 5min, who()));
  ASSERT_EQ(k.size(), 2u);
  EXPECT_EQ(k[0]["labels"]["severity"], "warning");
  EXPECT_EQ(k[1]["labels"]["severity"], "critical");
  EXPECT_EQ(k[1]["endsAt"], "2026-11-22T04:00:00.000Z");
}

TEST(AlertmanagerBody, NoGeneratorUrlWithoutExternalUrl) {
  AgentIdentity w = who();
  w.external_url.clear();
  const json j = json::parse(alertmanager_body(notification(), at(4, 0, 0, 0), 5min, w));
  EXPECT_FALSE(j[0].contains("generatorURL"));
}

}  // namespace
}  // namespace opsagent::alerts::payload_testing
