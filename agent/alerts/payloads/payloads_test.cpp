#include "agent/alerts/payloads/payloads.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

namespace opsagent::alerts {
namespace {

using json = nlohmann::json;
using namespace std::chrono;
using namespace std::chrono_literals;

WallClock::time_point at(int h, int m, int s, int ms) {
  return WallClock::time_point(sys_days(year(2026) / 11 / 22)) + hours(h) + minutes(m) +
         seconds(s) + milliseconds(ms);
}

AgentIdentity who() {
  return {"db-agent-1", "db.internal:5432/app", "https://agent.example/status"};
}

Notification notification(NotificationKind kind = NotificationKind::firing) {
  Notification n;
  n.id = "msg_0123456789abcdef01234567";
  n.kind = kind;
  n.created = at(3, 4, 6, 0);
  Alert& a = n.alert;
  a.rule = "pool_saturation";
  a.labels = {{"alertname", "PostgresPoolSaturation"}, {"client", "web"}};
  a.fingerprint = fingerprint_of(a.labels);
  a.severity = Severity::critical;
  a.summary = "Postgres connections at 96% (93/97)";
  a.details = {"used 93 of 97 usable (100 - 3 reserved)", "web: 80 (idle 60, active 20)"};
  a.runbook_url = "https://runbooks.example/pool?team=db&x=1";
  a.starts_at = at(3, 4, 5, 123);
  if (kind == NotificationKind::resolved) a.ends_at = at(3, 9, 0, 0);
  return n;
}

// Well-formed UTF-8, checked independently of the implementation (nlohmann's parser also
// rejects ill-formed strings, but this states it outright).
bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

std::size_t chars(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

bool ends_with(const std::string& s, std::string_view tail) {
  return s.ends_with(tail);
}

// ------------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------------

TEST(SlackBody, FiringLayout) {
  const json j = json::parse(slack_body(notification(), who()));
  EXPECT_EQ(j["text"],
            "[FIRING:critical] PostgresPoolSaturation: Postgres connections at 96% (93/97)");
  const json& blocks = j["blocks"];
  ASSERT_EQ(blocks.size(), 4u);
  EXPECT_EQ(blocks[0]["type"], "header");
  EXPECT_EQ(blocks[0]["text"]["type"], "plain_text");
  EXPECT_EQ(blocks[0]["text"]["text"], "[FIRING:critical] PostgresPoolSaturation");
  EXPECT_EQ(blocks[1]["type"], "section");
  EXPECT_EQ(blocks[1]["text"]["text"], "Postgres connections at 96% (93/97)");
  EXPECT_EQ(blocks[2]["text"]["type"], "mrkdwn");
  EXPECT_EQ(blocks[2]["text"]["text"],
            "• used 93 of 97 usable (100 - 3 reserved)\n• web: 80 (idle 60, active 20)");
  EXPECT_EQ(blocks[2]["text"]["text"].get<std::string>().find("```"), std::string::npos);
  EXPECT_EQ(blocks[3]["type"], "context");
  const std::string context = blocks[3]["elements"].dump();
  EXPECT_NE(context.find("*Instance:* db-agent-1"), std::string::npos);
  EXPECT_NE(context.find("*Database:* db.internal:5432/app"), std::string::npos);
  EXPECT_NE(context.find("<https://runbooks.example/pool?team=db&amp;x=1|Runbook>"),
            std::string::npos);
  EXPECT_LE(blocks[3]["elements"].size(), 10u);
}

TEST(SlackBody, ResolvedPrefixAndNoDetailsSection) {
  auto n = notification(NotificationKind::resolved);
  n.alert.details.clear();
  const json j = json::parse(slack_body(n, who()));
  EXPECT_EQ(j["blocks"][0]["text"]["text"], "[RESOLVED] PostgresPoolSaturation");
  EXPECT_TRUE(j["text"].get<std::string>().starts_with("[RESOLVED] "));
  EXPECT_EQ(j["blocks"].size(), 3u);  // header, summary, context
}

TEST(SlackBody, EscapesControlCharacters) {
  auto n = notification();
  n.alert.summary = "a <b> & <!channel> c";
  n.alert.details = {"app <@U123> & co"};
  n.alert.labels["alertname"] = "X<Y>&Z";
  const json j = json::parse(slack_body(n, who()));
  EXPECT_EQ(j["blocks"][1]["text"]["text"], "a &lt;b&gt; &amp; &lt;!channel&gt; c");
  EXPECT_EQ(j["blocks"][2]["text"]["text"], "• app &lt;@U123&gt; &amp; co");
  EXPECT_EQ(j["blocks"][0]["text"]["text"], "[FIRING:critical] X&lt;Y&gt;&amp;Z");
  EXPECT_EQ(j["text"], "[FIRING:critical] X&lt;Y&gt;&amp;Z: a &lt;b&gt; &amp; &lt;!channel&gt; c");
}

TEST(SlackBody, LimitsOnCharacterBoundaries) {
  auto n = notification();
  n.alert.labels["alertname"] = repeat("日本", 200);  // 400 three-byte characters
  n.alert.summary = repeat("ü", 5000);
  n.alert.details.clear();
  for (int i = 0; i < 500; ++i) n.alert.details.push_back(repeat("€", 40));
  const json j = json::parse(slack_body(n, who()));
  const std::string header = j["blocks"][0]["text"]["text"];
  const std::string summary = j["blocks"][1]["text"]["text"];
  const std::string details = j["blocks"][2]["text"]["text"];
  const std::string text = j["text"];
  for (const auto& s : {header, summary, details, text}) EXPECT_TRUE(valid_utf8(s));
  EXPECT_EQ(chars(header), 150u);
  EXPECT_TRUE(ends_with(header, "…"));
  EXPECT_EQ(chars(summary), 3000u);
  EXPECT_TRUE(ends_with(summary, "ü…"));
  EXPECT_LE(chars(text), 3000u);
  EXPECT_LE(chars(details), 3000u);
  EXPECT_GT(chars(details), 2900u);
  const std::size_t kept =
      static_cast<std::size_t>(std::count(details.begin(), details.end(), '\n'));
  EXPECT_TRUE(ends_with(details, "(" + std::to_string(500 - kept) + " more lines cut to fit)"));
  EXPECT_LE(j["blocks"].size(), 50u);
  for (const auto& element : j["blocks"][3]["elements"]) {
    EXPECT_LE(chars(element["text"].get<std::string>()), 3000u);
  }
}

TEST(SlackBody, CutNeverSplitsAnEntity) {
  auto n = notification();
  n.alert.summary = repeat("&", 1000);  // escapes to 5000 characters
  const json j = json::parse(slack_body(n, who()));
  const std::string summary = j["blocks"][1]["text"]["text"];
  EXPECT_LE(chars(summary), 3000u);
  EXPECT_EQ(summary, repeat("&amp;", 599) + "…");
}

// ------------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------------

// The Standard Webhooks specification's published test vector (the reference libraries' tests):
// secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id msg_p5jXN8AQM9LWM0D4loKWxJek, timestamp
// 1614265330, body {"test": 2432232314}. Also reproduced independently with
//   printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' | openssl dgst
//     -sha256 -mac HMAC -macopt hexkey:31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0 -binary
//     | base64   (one command line; the key is the base64-decoded secret in hex)
constexpr std::string_view kVectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kVectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(WebhookSignature, StandardWebhooksTestVector) {
  const auto keys = parse_webhook_secrets(kVectorSecret);
  ASSERT_TRUE(keys.has_value()) << keys.error();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->front().size(), 24u);
  EXPECT_EQ(webhook_signature(*keys, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                              R"({"test": 2432232314})"),
            kVectorSignature);
}

TEST(WebhookSignature, TwoSecretsWhileRotating) {
  // Second key: the 32 bytes 00 01 … 1f. Expected values from
  //   printf '%s' 'msg_2.1700000000.{"a":1}' | openssl dgst -sha256 -mac HMAC
  //     -macopt hexkey:<key as hex> -binary | base64   (one command line)
  // with the vector's key (31f290f6…) and with 000102…1f.
  const auto keys = parse_webhook_secrets(
      "  "
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n\twhsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
      " ");
  ASSERT_TRUE(keys.has_value()) << keys.error();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[1].size(), 32u);
  EXPECT_EQ(webhook_signature(*keys, "msg_2", 1700000000, R"({"a":1})"),
            "v1,xequFfkwaybA/hcJsMvOWaiPZbhD9Qb1czO+eRbWnfY= "
            "v1,vKgOppvabnpwn1OKIOXqY3Wib5DBDhUuVXCJUoOmrJU=");
}

TEST(WebhookSecrets, BareKeyAndPadding) {
  const auto bare = parse_webhook_secrets("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(*bare, *parse_webhook_secrets(kVectorSecret));
  // 25 and 26 bytes of 'k': "==" and "=" padding must not count as key bytes.
  const auto two_pad = parse_webhook_secrets("whsec_a2tra2tra2tra2tra2tra2tra2tra2traw==");
  ASSERT_TRUE(two_pad.has_value()) << two_pad.error();
  EXPECT_EQ(two_pad->front(), std::string(25, 'k'));
  const auto one_pad = parse_webhook_secrets("whsec_a2tra2tra2tra2tra2tra2tra2tra2tra2s=");
  ASSERT_TRUE(one_pad.has_value()) << one_pad.error();
  EXPECT_EQ(one_pad->front(), std::string(26, 'k'));
  // Unpadded base64 is accepted as well.
  const auto unpadded = parse_webhook_secrets("whsec_a2tra2tra2tra2tra2tra2tra2tra2tra2s");
  ASSERT_TRUE(unpadded.has_value()) << unpadded.error();
  EXPECT_EQ(unpadded->front(), std::string(26, 'k'));
}

TEST(WebhookSecrets, Rejections) {
  const std::string key24 = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::vector<std::string> bad = {
      "",
      " \n\t ",
      key24 + " " + key24 + " " + key24,            // three
      "whsec_",                                     // empty key
      "whsec_SuperSecretValue!!!!!!!!!!!!!!!!",     // not base64
      "whsec_c2VjcmV0LWhlbGxv",                     // 12 bytes: too short
      "whsec_" + std::string(88, 'A'),              // 66 bytes: too long
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS=w",    // '=' inside
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw===",  // too much padding
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwQ",    // length 4n+1
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw=",    // padding where none belongs
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw-_",   // URL-safe alphabet
      key24 + " whsec_c2VjcmV0LWhlbGxv",            // the second one is bad
  };
  for (const auto& text : bad) {
    const auto result = parse_webhook_secrets(text);
    ASSERT_FALSE(result.has_value()) << "accepted: " << text;
    const std::string& error = result.error();
    EXPECT_FALSE(error.empty());
    // The error never carries the secret, nor a piece of it.
    for (std::string_view part : {"SuperSecret", "MfKQ9r8G", "c2VjcmV0", "AAAAAAAA", "LaLaS"}) {
      EXPECT_EQ(error.find(part), std::string::npos) << error;
    }
  }
  EXPECT_NE(parse_webhook_secrets("whsec_c2VjcmV0LWhlbGxv").error().find("shorter"),
            std::string::npos);
  EXPECT_NE(parse_webhook_secrets("whsec_" + std::string(88, 'A')).error().find("longer"),
            std::string::npos);
  EXPECT_NE(parse_webhook_secrets(key24 + " whsec_c2VjcmV0LWhlbGxv").error().find("2 of 2"),
            std::string::npos);
  // 64 bytes is still allowed.
  EXPECT_TRUE(parse_webhook_secrets("whsec_" + std::string(84, 'A') + "AA==").has_value());
}

TEST(WebhookSignature, SignsTheWebhookBody) {
  const auto keys = parse_webhook_secrets(kVectorSecret);
  ASSERT_TRUE(keys.has_value());
  const std::string body = webhook_body(notification(), "r", who());
  const std::string sig = webhook_signature(*keys, "msg_x", 1, body);
  EXPECT_TRUE(sig.starts_with("v1,"));
  EXPECT_EQ(sig.size(), 3u + 44u);
  EXPECT_NE(sig, webhook_signature(*keys, "msg_x", 1, body + " "));
  EXPECT_NE(sig, webhook_signature(*keys, "msg_x", 2, body));
}

}  // namespace
}  // namespace opsagent::alerts
