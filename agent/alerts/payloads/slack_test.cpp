// The Slack body: layout, prefixes, escaping, and limits cut on character boundaries.
#include "agent/alerts/payloads/slack.hpp"

#include <gtest/gtest.h>

#include "agent/alerts/payloads/payloads_test_helpers.hpp"

namespace opsagent::alerts::payload_testing {
namespace {

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

}  // namespace
}  // namespace opsagent::alerts::payload_testing
