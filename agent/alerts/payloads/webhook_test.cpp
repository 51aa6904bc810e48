// The generic webhook body: Alertmanager's v4 shape, fitting, and invalid UTF-8 in every field.
#include "agent/alerts/payloads/webhook.hpp"

#include <gtest/gtest.h>

#include "agent/alerts/payloads/payloads.hpp"

#include "agent/alerts/payloads/payloads_test_helpers.hpp"

namespace opsagent::alerts::payload_testing {
namespace {

TEST(WebhookBody, AlertmanagerV4WhileFiring) {
  const auto n = notification();
  const json j = json::parse(webhook_body(n, "ops-hook", who()));
  EXPECT_EQ(j["version"], "4");
  EXPECT_EQ(j["groupKey"], n.alert.fingerprint);
  EXPECT_EQ(j["truncatedAlerts"], 0);
  EXPECT_EQ(j["status"], "firing");
  EXPECT_EQ(j["receiver"], "ops-hook");
  EXPECT_EQ(j["groupLabels"], json({{"alertname", "PostgresPoolSaturation"}}));
  const json labels = {
      {"alertname", "PostgresPoolSaturation"}, {"client", "web"}, {"severity", "critical"}};
  EXPECT_EQ(j["commonLabels"], labels);
  EXPECT_EQ(j["externalURL"], "https://agent.example/status");
  ASSERT_EQ(j["alerts"].size(), 1u);
  const json& a = j["alerts"][0];
  EXPECT_EQ(a["status"], "firing");
  EXPECT_EQ(a["labels"], labels);
  EXPECT_EQ(a["annotations"]["summary"], "Postgres connections at 96% (93/97)");
  EXPECT_EQ(a["annotations"]["description"],
            "used 93 of 97 usable (100 - 3 reserved)\nweb: 80 (idle 60, active 20)");
  EXPECT_EQ(a["annotations"]["runbook_url"], "https://runbooks.example/pool?team=db&x=1");
  EXPECT_EQ(j["commonAnnotations"], a["annotations"]);
  EXPECT_EQ(a["startsAt"], "2026-11-22T03:04:05.123Z");
  EXPECT_EQ(a["endsAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(a["generatorURL"], "https://agent.example/status");
  EXPECT_EQ(a["fingerprint"], n.alert.fingerprint);
  EXPECT_EQ(j["notification"], json({{"id", n.id}, {"kind", "firing"}, {"suppressed", 0}}));
  EXPECT_EQ(j["agent"], json({{"instance", "db-agent-1"}, {"database", "db.internal:5432/app"}}));
}

TEST(WebhookBody, ResolvedAndNoRunbook) {
  auto n = notification(NotificationKind::resolved);
  n.alert.runbook_url.clear();
  const json j = json::parse(webhook_body(n, "r", who()));
  EXPECT_EQ(j["status"], "resolved");
  EXPECT_EQ(j["alerts"][0]["status"], "resolved");
  EXPECT_EQ(j["alerts"][0]["endsAt"], "2026-11-22T03:09:00.000Z");
  EXPECT_FALSE(j["alerts"][0]["annotations"].contains("runbook_url"));
  EXPECT_EQ(j["notification"]["kind"], "resolved");
}

TEST(WebhookBody, SuppressedCountAndPreviousSeverity) {
  auto n = notification(NotificationKind::suppressed);
  n.suppressed_count = 7;
  EXPECT_EQ(json::parse(webhook_body(n, "r", who()))["notification"]["suppressed"], 7);
  auto e = notification(NotificationKind::escalated);
  e.previous_severity = Severity::warning;
  const json j = json::parse(webhook_body(e, "r", who()));
  EXPECT_EQ(j["notification"]["kind"], "escalated");
  EXPECT_EQ(j["notification"]["previous_severity"], "warning");
}

TEST(WebhookBody, DropsDetailsFromTheEndToFit) {
  auto n = notification();
  n.alert.details.clear();
  // 20000 lines of 50 two-byte characters: ~4 MB of details (twice: description and
  // commonAnnotations), far beyond 256 KiB.
  for (int i = 0; i < 20000; ++i) n.alert.details.push_back(std::to_string(i) + repeat("é", 50));
  const std::string body = webhook_body(n, "r", who());
  EXPECT_LE(body.size(), kMaxWebhookBytes);
  EXPECT_GT(body.size(), kMaxWebhookBytes - 1024);  // it uses the room it has
  const json j = json::parse(body);
  const std::string description = j["alerts"][0]["annotations"]["description"];
  EXPECT_TRUE(valid_utf8(description));
  const auto last_newline = description.rfind('\n');
  ASSERT_NE(last_newline, std::string::npos);
  const std::string note = description.substr(last_newline + 1);
  const std::size_t kept =
      static_cast<std::size_t>(std::count(description.begin(), description.end(), '\n'));
  EXPECT_EQ(note, "(" + std::to_string(20000 - kept) + " more lines cut to fit)");
  EXPECT_EQ(description.substr(0, description.find('\n')), "0" + repeat("é", 50));
  // The kept lines are the first ones, whole.
  EXPECT_NE(description.find("\n" + std::to_string(kept - 1) + repeat("é", 50) + "\n("),
            std::string::npos);
}

TEST(WebhookBody, OversizedSingleStringsStillFit) {
  auto n = notification();
  n.alert.summary = repeat("€", 200000);  // 600 KB
  n.alert.details = {repeat("ü", 300000)};
  const std::string body = webhook_body(n, "r", who());
  EXPECT_LE(body.size(), kMaxWebhookBytes);
  const json j = json::parse(body);
  const std::string summary = j["alerts"][0]["annotations"]["summary"];
  EXPECT_TRUE(valid_utf8(summary));
  EXPECT_TRUE(ends_with(summary, "…"));
}

TEST(Payloads, InvalidUtf8NeverThrows) {
  auto n = notification();
  const std::string bad = "app\xff\xfe name \xc3 \xe2\x82 \xed\xa0\x80 \xf4\x90\x80\x80 end";
  n.alert.details.push_back("top application: " + bad);
  n.alert.labels["client"] = bad;
  n.alert.summary = bad;
  n.alert.runbook_url = "https://x/" + bad;
  AgentIdentity w = who();
  w.instance = bad;
  std::string body;
  ASSERT_NO_THROW(body = webhook_body(n, bad, w));
  EXPECT_TRUE(valid_utf8(body));
  const json j = json::parse(body);
  EXPECT_NE(j["alerts"][0]["annotations"]["description"].get<std::string>().find("\uFFFD"),
            std::string::npos);
  ASSERT_NO_THROW(body = slack_body(n, w));
  EXPECT_NO_THROW(std::ignore = json::parse(body));
  ASSERT_NO_THROW(body = pagerduty_body(n, bad, w));
  EXPECT_NO_THROW(std::ignore = json::parse(body));
  ASSERT_NO_THROW(body = alertmanager_body(n, at(4, 0, 0, 0), 5min, w));
  EXPECT_NO_THROW(std::ignore = json::parse(body));
  std::vector<std::string> env;
  ASSERT_NO_THROW(env = exec_environment(n, w));
  for (const auto& e : env) EXPECT_TRUE(valid_utf8(e)) << e;
}

}  // namespace
}  // namespace opsagent::alerts::payload_testing
