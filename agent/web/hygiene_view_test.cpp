#include "agent/web/hygiene_view.hpp"

#include <gtest/gtest.h>

namespace opsagent::web {
namespace {

probes::ConnectionHygiene sample() {
  probes::ConnectionHygiene h;
  h.idle_in_transaction_warn = config::Duration(60000);
  h.idle_in_transaction = {{.client = "web", .sessions = 2, .past_warn = 1, .oldest_s = 75.0},
                           {.client = "cron", .sessions = 0, .past_warn = 0, .oldest_s = {}}};
  h.leaks_checked = true;
  h.leaked = {{.client = "web",
               .application_name = "web:<b>",
               .worker_pid = 9,
               .sessions = 1,
               .oldest_s = 30.0}};
  h.leaked_sessions = 1;
  return h;
}

TEST(HygieneView, TextMarksProblemsAndSaysWhichWorkerIsGone) {
  const auto text = hygiene_text(sample());
  EXPECT_NE(text.find("!! web: 2 idle in transaction, 1 for 1m or longer (oldest"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("     cron: 0 idle in transaction"), std::string::npos) << text;
  EXPECT_NE(text.find("!! LEAKED web:<b> (web): 1 session, oldest"), std::string::npos) << text;
  EXPECT_NE(text.find("worker 9 no longer runs"), std::string::npos) << text;
}

TEST(HygieneView, HtmlEscapesNames) {
  const auto html = hygiene_html(sample());
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("web:&lt;b&gt;"), std::string::npos) << html;
}

TEST(HygieneView, NoLeakLineOutsideSuperviseMode) {
  auto h = sample();
  h.leaks_checked = false;
  h.leaked.clear();
  EXPECT_EQ(hygiene_text(h).find("leaked"), std::string::npos);
  const auto j = hygiene_json(h);
  EXPECT_FALSE(j.contains("leaked"));
  EXPECT_EQ(j["idle_in_transaction"][0]["past_warn"], 1);
  EXPECT_TRUE(j["idle_in_transaction"][1]["oldest_s"].is_null());
}

TEST(HygieneView, TerminationsShowTheModeAndEachRecentSessionEscaped) {
  probes::TerminationRecord r;
  r.mode = probes::TerminateMode::on;
  const std::chrono::system_clock::time_point now{std::chrono::hours(1000)};
  probes::Termination t;
  t.at = t.last_seen = now - std::chrono::minutes(2);
  t.pid = 4711;
  t.application_name = "web:<i>";
  t.role = "app";
  t.client = "web";
  t.age_s = 605;
  t.mode = probes::TerminateMode::on;
  t.terminated = true;
  r.recent = {t};
  r.totals[{"web", probes::TerminateMode::on}] = 3;
  const auto text = hygiene_text(sample(), &r, now);
  EXPECT_NE(text.find("!! terminations (on): 1 in the last 15m, 3 since the agent started"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("!! TERMINATED web:<i> (web, role app, pid 4711) idle in transaction"),
            std::string::npos)
      << text;
  EXPECT_EQ(hygiene_html(sample(), &r, now).find("<i>"), std::string::npos);
  // After the quiet period only the mode's line stays, and it is no problem.
  const auto later = hygiene_text(sample(), &r, now + std::chrono::minutes(20));
  EXPECT_NE(later.find("     terminations (on): 0 in the last 15m"), std::string::npos) << later;
  EXPECT_EQ(later.find("TERMINATED"), std::string::npos);
  const auto json = terminations_json(r);
  EXPECT_EQ(json["mode"], "on");
  EXPECT_EQ(json["recent"][0]["pid"], 4711);
  EXPECT_EQ(json["totals"][0]["sessions"], 3);
}

}  // namespace
}  // namespace opsagent::web
