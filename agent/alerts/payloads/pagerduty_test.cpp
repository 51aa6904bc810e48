// The PagerDuty Events v2 body: trigger, resolve, limits.
#include "agent/alerts/payloads/pagerduty.hpp"

#include <gtest/gtest.h>

#include "agent/alerts/payloads/payloads_test_helpers.hpp"

namespace opsagent::alerts::payload_testing {
namespace {

TEST(PagerDutyBody, Trigger) {
  const auto n = notification();
  const json j = json::parse(pagerduty_body(n, "R0UTINGKEY", who()));
  EXPECT_EQ(j["routing_key"], "R0UTINGKEY");
  EXPECT_EQ(j["event_action"], "trigger");
  EXPECT_EQ(j["dedup_key"], n.alert.fingerprint);
  const json& p = j["payload"];
  EXPECT_EQ(p["summary"], "Postgres connections at 96% (93/97)");
  EXPECT_EQ(p["source"], "db-agent-1");
  EXPECT_EQ(p["severity"], "critical");
  EXPECT_EQ(p["timestamp"], "2026-11-22T03:04:06.000Z");
  EXPECT_EQ(p["component"], "postgres");
  EXPECT_EQ(p["group"], "pool_saturation");
  EXPECT_EQ(p["class"], "PostgresPoolSaturation");
  EXPECT_EQ(p["custom_details"]["details"], json(n.alert.details));
  EXPECT_EQ(p["custom_details"]["labels"],
            json({{"alertname", "PostgresPoolSaturation"}, {"client", "web"}}));
  EXPECT_EQ(p["custom_details"]["kind"], "firing");
  EXPECT_EQ(j["links"], json::parse(R"([{"href": "https://runbooks.example/pool?team=db&x=1",
                                          "text": "Runbook"}])"));
}

TEST(PagerDutyBody, EveryFiringKindTriggers) {
  for (auto kind :
       {NotificationKind::firing, NotificationKind::escalated, NotificationKind::deescalated,
        NotificationKind::reminder, NotificationKind::test}) {
    auto n = notification(kind);
    n.alert.severity = Severity::warning;
    n.alert.runbook_url.clear();
    const json j = json::parse(pagerduty_body(n, "k", who()));
    EXPECT_EQ(j["event_action"], "trigger");
    EXPECT_EQ(j["payload"]["severity"], "warning");
    EXPECT_EQ(j["payload"]["custom_details"]["kind"], std::string(to_string(kind)));
    EXPECT_FALSE(j.contains("links"));
  }
}

TEST(PagerDutyBody, ResolveIsMinimal) {
  const auto n = notification(NotificationKind::resolved);
  const json j = json::parse(pagerduty_body(n, "R0UTINGKEY", who()));
  EXPECT_EQ(j, json({{"routing_key", "R0UTINGKEY"},
                     {"event_action", "resolve"},
                     {"dedup_key", n.alert.fingerprint}}));
}

TEST(PagerDutyBody, Limits) {
  auto n = notification();
  n.alert.summary = repeat("€", 3000);
  n.alert.details.clear();
  for (int i = 0; i < 20000; ++i) n.alert.details.push_back(repeat("ö", 30));
  const std::string body = pagerduty_body(n, "k", who());
  EXPECT_LE(body.size(), 512u * 1024u);
  const json j = json::parse(body);
  const std::string summary = j["payload"]["summary"];
  EXPECT_TRUE(valid_utf8(summary));
  EXPECT_EQ(chars(summary), 1024u);
  EXPECT_TRUE(ends_with(summary, "€…"));
  const json& details = j["payload"]["custom_details"]["details"];
  const std::size_t kept = details.size() - 1;
  EXPECT_GT(kept, 1000u);
  EXPECT_EQ(details.back(), "(" + std::to_string(20000 - kept) + " more lines cut to fit)");
}

}  // namespace
}  // namespace opsagent::alerts::payload_testing
