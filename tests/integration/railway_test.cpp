// Plays Railway against the checked-in deploy/railway/ files, so the guide and the test cannot
// drift: it runs railway.toml's start command with PORT set, polls healthcheckPath on $PORT with
// Railway's Host header until 200 (within healthcheckTimeout), sends "public" requests to the
// domain's target port (the app's port, as railway.toml and the README document it) and gets
// the app's own answers, then sends SIGTERM and watches the drain and the exit within
// drainingSeconds. What a container would make different is substituted: the opsagent binary,
// /app/opsagent.toml (a copy of deploy/railway/opsagent.toml), gunicorn (a stand-in that takes
// gunicorn's command line, tests/integration/fixtures/gunicorn_standin.pl), and the app's port
// (a free one: tests share this host; in the container the documented port is the app's own).
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/temp_dir.hpp"

namespace opsagent::testing {
namespace {

using Clock = std::chrono::steady_clock;
const std::string kSourceDir = OPSAGENT_SOURCE_DIR;
const std::string kRailwayToml = kSourceDir + "/deploy/railway/railway.toml";
const std::string kAgentToml = kSourceDir + "/deploy/railway/opsagent.toml";
const std::string kReadme = kSourceDir + "/README.md";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Every port named as "target port N" or "target port to N" in `text` (`N` in backticks too).
std::vector<int> target_ports(const std::string& text) {
  static const std::regex re(R"(target port (?:to )?`?(\d+))");
  std::vector<int> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out.push_back(std::stoi((*it)[1].str()));
  }
  return out;
}

// railway.toml's [deploy], and what the start command says about the two processes.
struct RailwayDeploy {
  std::string start_command;
  std::vector<std::string> agent_args;  // between `opsagent` and `--config FILE`
  std::vector<std::string> app;         // after `--`
  std::string app_bind;                 // the app's --bind value
  int app_port = 0;
  std::string healthcheck_path;
  std::chrono::seconds healthcheck_timeout{0};
  std::chrono::seconds draining{0};
};

// Reads railway.toml; a value that is missing or not what the layout needs fails the test.
RailwayDeploy read_railway_toml() {
  RailwayDeploy d;
  const toml::table file = toml::parse_file(kRailwayToml);
  const auto deploy = file["deploy"];
  d.start_command = deploy["startCommand"].value_or(std::string());
  d.healthcheck_path = deploy["healthcheckPath"].value_or(std::string());
  d.healthcheck_timeout = std::chrono::seconds(deploy["healthcheckTimeout"].value_or(0));
  d.draining = std::chrono::seconds(deploy["drainingSeconds"].value_or(0));
  EXPECT_FALSE(d.start_command.empty()) << kRailwayToml << ": no deploy.startCommand";
  EXPECT_FALSE(d.healthcheck_path.empty()) << kRailwayToml << ": no deploy.healthcheckPath";
  EXPECT_GT(d.healthcheck_timeout.count(), 0) << kRailwayToml << ": no healthcheckTimeout";
  EXPECT_GT(d.draining.count(), 0) << kRailwayToml << ": no drainingSeconds";
  // No shell in between: the words are the argv, whoever runs the command.
  EXPECT_EQ(d.start_command.find_first_of("$'\"`;&|<>\\"), std::string::npos) << d.start_command;

  const auto w = words(d.start_command);
  const auto config = std::find(w.begin(), w.end(), "--config");
  const auto dashes = std::find(w.begin(), w.end(), "--");
  if (w.empty() || w[0] != "opsagent" || config == w.end() || dashes != config + 2) {
    ADD_FAILURE() << "expected `opsagent ... --config FILE -- APP ...`, got: " << d.start_command;
    return d;
  }
  d.agent_args.assign(w.begin() + 1, config);
  d.app.assign(dashes + 1, w.end());
  const auto bind = std::find(d.app.begin(), d.app.end(), "--bind");
  if (bind == d.app.end() || bind + 1 == d.app.end()) {
    ADD_FAILURE() << "the app's command has no --bind HOST:PORT: " << d.start_command;
    return d;
  }
  d.app_bind = *(bind + 1);
  d.app_port = std::stoi(d.app_bind.substr(d.app_bind.rfind(':') + 1));
  return d;
}

class RailwayTest : public AgentTest {
 protected:
  // A "public" request as Railway's edge forwards it to the domain's target port.
  static AgentProcess::HttpReply public_get(const std::string& host, int port,
                                            const std::string& path) {
    return AgentProcess::request(host, port, path, {{"Host", "app.up.railway.app"}});
  }

  AgentProcess::HttpReply healthcheck(const std::string& path) {
    return get(path, {{"Host", "healthcheck.railway.app"}});
  }

  std::string events() const { return read_text(ctl_.file("events")); }

  TempDir ctl_{"opsagent-railway"};
};

TEST_F(RailwayTest, TheGuideAndTheFilesAgreeOnTheTwoPorts) {
  const RailwayDeploy d = read_railway_toml();
  ASSERT_GT(d.app_port, 0);
  // The domain reaches the app only if it listens on every interface, not on loopback.
  EXPECT_TRUE(d.app_bind.starts_with("[::]:") || d.app_bind.starts_with("0.0.0.0:")) << d.app_bind;

  // railway.toml and the README name the app's port as the domain's target port.
  const auto in_toml = target_ports(read_text(kRailwayToml));
  ASSERT_FALSE(in_toml.empty()) << kRailwayToml << " does not say which target port to set";
  for (int p : in_toml) EXPECT_EQ(p, d.app_port) << kRailwayToml;
  const std::string readme = read_text(kReadme);
  const auto in_readme = target_ports(readme);
  ASSERT_FALSE(in_readme.empty()) << "README.md does not say which target port to set";
  for (int p : in_readme) EXPECT_EQ(p, d.app_port) << "README.md";
  EXPECT_NE(readme.find(d.start_command), std::string::npos)
      << "README.md does not show railway.toml's start command: " << d.start_command;

  // The agent's check of the app asks the port the app binds.
  const toml::table agent = toml::parse_file(kAgentToml);
  const auto url = agent["readiness"]["http"][0]["url"].value_or(std::string());
  EXPECT_NE(url.find(":" + std::to_string(d.app_port) + "/"), std::string::npos) << url;
}

TEST_F(RailwayTest, HealthcheckOnPortPublicTrafficOnTheTargetPortDrainOnSigterm) {
  const RailwayDeploy d = read_railway_toml();
  ASSERT_GT(d.app_port, 0);
  PgCluster cluster;
  HeldConnection::open(cluster.app_dsn())
      ->exec(read_text(kSourceDir + "/scripts/demo_schema.sql"));  // the reference app's schema

  // The documented app port, moved to a free one everywhere it is written.
  const int app_port = free_tcp_port();
  const std::string from = ":" + std::to_string(d.app_port);
  const std::string to = ":" + std::to_string(app_port);
  std::string config = read_text(kAgentToml);
  int replaced = 0;
  for (auto at = config.find(from + "/"); at != std::string::npos; at = config.find(from + "/")) {
    config.replace(at, from.size(), to);
    ++replaced;
  }
  ASSERT_EQ(replaced, 1) << "the app's port in " << kAgentToml;
  std::vector<std::string> app = d.app;
  ASSERT_EQ(app[0], "gunicorn");
  app.erase(app.begin());
  app.insert(app.begin(), {"perl", kSourceDir + "/tests/integration/fixtures/gunicorn_standin.pl"});
  for (auto& word : app) {
    if (word == d.app_bind) word = d.app_bind.substr(0, d.app_bind.rfind(':')) + to;
  }

  AgentProcess::Options options;
  options.config_toml = config;
  options.args = d.agent_args;
  options.app = app;
  options.env = {{"DATABASE_URL", cluster.app_dsn()},
                 {"RAILWAY_DEPLOYMENT_DRAINING_SECONDS", std::to_string(d.draining.count())},
                 {"APP_CTL", ctl_.path().string()}};
  agent_ = std::make_unique<AgentProcess>(options);  // PORT: a free port, as Railway sets one

  // Railway's healthcheck: a new connection per attempt, until 200 or healthcheckTimeout
  // (capped below ctest's own timeout, so a failure is reported here, not as a kill).
  const auto ready_within = std::min<std::chrono::milliseconds>(d.healthcheck_timeout, 120s);
  ASSERT_TRUE(eventually([&] { return healthcheck(d.healthcheck_path).status == 200; },
                         ready_within, 100ms))
      << "events: " << events();

  // Public traffic on the target port: the app's own answers, over IPv4 and IPv6.
  const std::string expected = "web.app:app answers GET /permits?page=2\n";
  for (const std::string host : {"127.0.0.1", "::1"}) {
    const auto reply = public_get(host, app_port, "/permits?page=2");
    EXPECT_EQ(reply.status, 200) << host << ": " << reply.error;
    EXPECT_EQ(reply.body, expected) << host;
    EXPECT_EQ(reply.header("Server"), "gunicorn-standin") << host;
  }
  // What a domain without a target port would do: send the public request to $PORT, the agent.
  EXPECT_EQ(get("/permits?page=2").status, 404);

  // Deploy replaced: SIGTERM. Readiness 503 at once; the app keeps serving through the drain
  // and gets SIGTERM only after it; the agent exits with the app's status before SIGKILL.
  const auto term_at = Clock::now();
  agent_->signal(SIGTERM);
  ASSERT_TRUE(eventually([&] { return healthcheck(d.healthcheck_path).status == 503; }, 2s));
  EXPECT_EQ(public_get("127.0.0.1", app_port, "/permits?page=2").body, expected)
      << "the app stopped serving during the drain";
  EXPECT_EQ(events().find("signal TERM"), std::string::npos)
      << "the app got SIGTERM before the drain ended";
  ASSERT_TRUE(
      eventually([&] { return events().find("signal TERM") != std::string::npos; }, d.draining))
      << events();
  const auto app_term_after = Clock::now() - term_at;
  // Half of drainingSeconds is the drain (agent.drain is not set in opsagent.toml).
  EXPECT_GE(app_term_after, d.draining / 2 - 1s);
  const auto code = agent_->wait_exit(d.draining);
  ASSERT_TRUE(code) << "the agent was still running after drainingSeconds (Railway's SIGKILL)";
  EXPECT_EQ(*code, 0) << "the app's graceful exit status";
  EXPECT_LT(Clock::now() - term_at, d.draining);
}

}  // namespace
}  // namespace opsagent::testing
