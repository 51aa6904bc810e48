// /status against a real cluster: sessions held under different application_names show up in
// the text view, in the HTML page, and in that page as a real browser renders it (headless
// Chromium; its screenshot is kept as a test artifact for people to look at).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/run_binary.hpp"
#include "tests/support/temp_dir.hpp"

namespace opsagent::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kHostile = "<script>alert(1)</script>";
constexpr const char* kBrowserAccept =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

// Where screenshots and pages are kept: $OPSAGENT_ARTIFACTS_DIR, else test-artifacts/ under the
// working directory (ctest runs tests in the build directory).
fs::path artifacts_dir() {
  const char* env = std::getenv("OPSAGENT_ARTIFACTS_DIR");
  fs::path dir =
      env != nullptr && *env != '\0' ? fs::path(env) : fs::current_path() / "test-artifacts";
  fs::create_directories(dir);
  return dir;
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

// Headless Chromium with `extra` flags on `url`, bounded so a wedged browser fails the test
// instead of hanging it.
RunResult chromium(const std::vector<std::string>& extra, const std::string& url) {
  TempDir profile("opsagent-chromium");  // a fresh profile: never reuse a browser's state
  // --no-sandbox: tests run as root. --run-all-compositor-stages-before-draw: paint everything
  // before the capture; without it a screenshot can come out with blank, unrastered tiles.
  std::vector<std::string> argv{kChromium,
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-quic",
                                "--no-first-run",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync",
                                "--hide-scrollbars",
                                "--run-all-compositor-stages-before-draw",
                                "--user-data-dir=" + profile.path().string(),
                                "--window-size=1280,1400"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  return run_process(argv, {}, 60s);
}

bool has_line(const std::string& text, const std::string& pattern) {
  return std::regex_search(text, std::regex("(^|\n)" + pattern + "(\n|$)"));
}

class StatusPageTest : public AgentTest {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<PgCluster>(PgCluster::Options{.max_connections = 30});
    // The full view: without pg_read_all_stats, other roles' sessions would be hidden.
    cluster_->exec("GRANT pg_monitor TO app");
    for (const char* name : {"web:1", "web:1", "web:1", "web:2", "web:2", "cron", kHostile}) {
      held_.push_back(
          cluster_->connect(cluster_->app_dsn() + "?application_name=" + percent_encode(name)));
    }
    held_[0]->exec("BEGIN; SELECT 1");  // one web:1 session idle in a transaction
  }

  // Starts the agent and waits until /status shows every held session.
  void start_and_wait_for_sessions() {
    start_agent(agent_config("", {}, kReferencePool), cluster_->app_dsn());
    ASSERT_TRUE(wait_ready(200, 15s));
    ASSERT_TRUE(eventually([&] { return has_line(get("/status").body, R"(web:1 +3 .*)"); }, 10s))
        << get("/status").body;
  }

  std::unique_ptr<PgCluster> cluster_;
  std::vector<std::unique_ptr<HeldConnection>> held_;
};

TEST_F(StatusPageTest, TextShowsWhoHoldsTheConnections) {
  ASSERT_NO_FATAL_FAILURE(start_and_wait_for_sessions());
  const auto reply = get("/status");
  ASSERT_EQ(reply.status, 200);
  EXPECT_TRUE(reply.header("Content-Type").starts_with("text/plain")) << reply.body;
  EXPECT_EQ(reply.header("Cache-Control"), "no-store");
  const std::string& text = reply.body;
  write_file(artifacts_dir() / "status.txt", text);

  EXPECT_TRUE(text.starts_with("READY")) << text;
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(PostgreSQL 15\.)"))) << text;
  // 30 max_connections - 3 superuser_reserved = 27 usable; the held 7 (the agent's own session
  // is not counted), so a bar about a quarter full.
  EXPECT_TRUE(has_line(
      text, R"(connections \[#{8}\.{24}\] 7/27 usable \(25\.9%\)  warn 80%  critical 95%)"))
      << text;
  EXPECT_EQ(text.find("PARTIAL VIEW"), std::string::npos) << text;
  // application, total, active, idle, idle in tx, aborted, waiting, oldest tx
  EXPECT_TRUE(has_line(text, R"(web:1 +3 +0 +2 +1 +0 +0 +\S+ *)")) << text;
  EXPECT_TRUE(has_line(text, R"(web:2 +2 +0 +2 +0 +0 +0 +- *)")) << text;
  EXPECT_TRUE(has_line(text, R"(cron +1 +0 +1 +0 +0 +0 +- *)")) << text;
  EXPECT_TRUE(has_line(text, R"(<script>alert\(1\)</script> +1 .*)")) << text;
  // Per-client pools: connections / budget, instances seen of declared, none at pool_max.
  EXPECT_TRUE(has_line(text, R"(web +web:\* +5 / 80 +2 of 4 +0)")) << text;
  EXPECT_TRUE(has_line(text, R"(cron +cron +1 / 20 +1 of 1 +0)")) << text;
  EXPECT_TRUE(has_line(text, R"(\(unattributed\) +1)")) << text;
  EXPECT_NE(
      text.find("budget      !! CANNOT FIT: 4×20 (web) + 1×20 (cron) = 100 > 27 usable slots"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("  ok    postgres:connection"), std::string::npos) << text;
  for (const auto& line : std::vector<std::string>{"sessions    7 total:", "utilization 1m  now",
                                                   "probe       cycle ", "last errors"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

TEST_F(StatusPageTest, BrowsersGetTheHtmlPage) {
  ASSERT_NO_FATAL_FAILURE(start_and_wait_for_sessions());
  const auto reply = get("/status", {{"Accept", kBrowserAccept}});
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("Content-Type"), "text/html; charset=utf-8");
  const std::string& html = reply.body;
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>")) << html;
  EXPECT_NE(html.find(R"(<meta http-equiv="refresh" content="5">)"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find(R"(<td class="name">web:1</td><td class="n"><b>3</b></td>)"),
            std::string::npos)
      << html;
  EXPECT_EQ(html.find("<script"), std::string::npos) << "an application_name became markup";
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  // curl's default and an explicit text/plain still get text.
  EXPECT_TRUE(get("/status", {{"Accept", "*/*"}}).header("Content-Type").starts_with("text/plain"));
}

TEST_F(StatusPageTest, RendersInHeadlessChromium) {
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed";
  ASSERT_NO_FATAL_FAILURE(start_and_wait_for_sessions());
  ASSERT_TRUE(wait_for_cycles(5, 10s)) << "a few samples for the chart";
  const std::string url = "http://127.0.0.1:" + std::to_string(agent_->port()) + "/status";

  // The DOM after parsing: the chart is there, and the hostile name is text, not an element.
  const auto dom = chromium({"--dump-dom"}, url);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  EXPECT_NE(dom.out.find("<svg"), std::string::npos) << dom.out;
  EXPECT_NE(dom.out.find(R"(<polyline class="utilization" points=")"), std::string::npos);
  EXPECT_NE(dom.out.find(">web:1</td>"), std::string::npos) << dom.out;
  EXPECT_NE(dom.out.find(">cron</td>"), std::string::npos) << dom.out;
  EXPECT_NE(dom.out.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(dom.out.find("<script"), std::string::npos);
  write_file(artifacts_dir() / "status.html", dom.out);

  const fs::path png = artifacts_dir() / "status.png";
  fs::remove(png);
  const auto shot = chromium({"--screenshot=" + png.string()}, url);
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  ASSERT_TRUE(fs::exists(png)) << shot.err;
  std::ifstream in(png, std::ios::binary);
  std::string magic(8, '\0');
  in.read(magic.data(), 8);
  EXPECT_EQ(magic, std::string("\x89PNG\r\n\x1a\n", 8));
  // A blank or error page compresses to a few KB; the rendered tables and chart do not.
  EXPECT_GT(fs::file_size(png), 20'000u) << png;
  std::cout << "screenshot: " << png.string() << "\n";
}

}  // namespace
}  // namespace opsagent::testing
