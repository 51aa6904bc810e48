// Supervise mode (`opsagent run -- APP`), as on Railway where the agent gates the app's own
// deploy: readiness includes the app's HTTP check, signals reach the app only after the drain,
// the app's exit status becomes the agent's, and every child is reaped.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/free_port.hpp"

namespace opsagent::testing {
namespace {

class SuperviseTest : public AgentTest {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/opsagent-app-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    ctl_ = dir;
    app_port_ = free_tcp_port();
    cluster_ = std::make_unique<PgCluster>();
    cluster_->exec("CREATE TABLE permits (id int)");
  }
  void TearDown() override {
    AgentTest::TearDown();
    std::error_code ec;
    std::filesystem::remove_all(ctl_, ec);
  }

  std::string config(const std::string& extra = "", const std::string& timeout = "1s") {
    return agent_config("expected_tables = [\"permits\"]\n") +
           "[[readiness.http]]\nname = \"app\"\n" +
           "url = \"http://127.0.0.1:" + std::to_string(app_port_) + "/healthz\"\ntimeout = \"" +
           timeout + "\"\n" + extra;
  }

  // Starts the agent supervising the perl stand-in app.
  void start(const std::string& config_text, std::map<std::string, std::string> env = {}) {
    env.emplace("DATABASE_URL", cluster_->app_dsn());
    env.emplace("APP_CTL", ctl_);
    AgentProcess::Options options;
    options.config_toml = config_text;
    options.env = env;
    options.app = {"perl",
                   std::string(OPSAGENT_SOURCE_DIR) + "/tests/integration/fixtures/app_server.pl",
                   std::to_string(app_port_)};
    agent_ = std::make_unique<AgentProcess>(options);
  }

  void set(const std::string& name, const std::string& value) {
    std::ofstream(ctl_ + "/" + name, std::ios::trunc) << value << "\n";
  }
  std::string events() const {
    std::ifstream in(ctl_ + "/events");
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }
  int count(const std::string& event) const {
    std::istringstream lines(events());
    int n = 0;
    for (std::string line; std::getline(lines, line);) n += line == event ? 1 : 0;
    return n;
  }
  // The pid the app wrote last ("pid N").
  pid_t app_pid() const {
    std::istringstream lines(events());
    pid_t pid = -1;
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("pid ")) pid = std::stoi(line.substr(4));
    }
    return pid;
  }
  std::string check_error(const std::string& name) {
    auto e = body_json(get("/health/ready"))["checks"][name]["error"];
    return e.is_string() ? e.get<std::string>() : "";
  }

  std::string ctl_;
  int app_port_ = 0;
  std::unique_ptr<PgCluster> cluster_;
};

TEST_F(SuperviseTest, DrainsBeforeTheAppGetsSigtermAndExitsWithItsStatus) {
  start(config(), {{"APP_EXIT_CODE", "3"}});
  ASSERT_TRUE(wait_ready(200, 15s)) << events();
  EXPECT_EQ(body_json(get("/health/ready"))["checks"]["http:app"]["status"], "pass");

  agent_->signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return count("signal HUP") == 1; }, 5s)) << events();

  agent_->signal(SIGTERM);
  ASSERT_TRUE(wait_ready(503, 1s));
  EXPECT_EQ(count("signal TERM"), 0) << "the app got SIGTERM before readiness turned 503";
  EXPECT_EQ(body_json(get("/health/ready"))["reason"], "draining: the agent is shutting down");
  ASSERT_TRUE(eventually([&] { return count("signal TERM") == 1; }, 5s)) << events();
  auto code = agent_->wait_exit(10s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 3) << "the app's exit status becomes the agent's";
}

TEST_F(SuperviseTest, AppDeathMakesNotReadyAndTheAgentExitsWithItsStatus) {
  start(config());
  ASSERT_TRUE(wait_ready(200, 15s)) << events();
  const pid_t pid = app_pid();
  ASSERT_GT(pid, 0);
  ::kill(pid, SIGKILL);
  auto code = agent_->wait_exit(10s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 128 + SIGKILL);
  EXPECT_TRUE(agent_->wait_for_log("NOT READY: app:process:", 1s)) << agent_->log();
  EXPECT_NE(agent_->log().find("was killed by signal 9"), std::string::npos);
}

TEST_F(SuperviseTest, RestartModeBringsTheAppBack) {
  start(config("[supervise]\non_exit = \"restart\"\n"));
  ASSERT_TRUE(wait_ready(200, 15s)) << events();
  ::kill(app_pid(), SIGKILL);
  ASSERT_TRUE(eventually(
      [&] {
        auto b = body_json(get("/health/ready"));
        return b["reason"].is_string() &&
               b["reason"].get<std::string>().starts_with("app:process: ");
      },
      5s));
  ASSERT_TRUE(eventually([&] { return count("listening") == 2; }, 10s)) << events();
  ASSERT_TRUE(wait_ready(200, 10s));
  EXPECT_TRUE(agent_->running());
}

// [container] in supervise mode: the app's process tree (its pid, processes, resident memory)
// in /health and /metrics, following the app across a restart.
TEST_F(SuperviseTest, ContainerSectionShowsTheAppsProcessTreeAcrossARestart) {
  start(config("[supervise]\non_exit = \"restart\"\n[container]\ninterval = \"1s\"\n"));
  ASSERT_TRUE(wait_ready(200, 15s)) << events();
  const pid_t first = app_pid();
  ASSERT_TRUE(eventually(
      [&] { return body_json(get("/health"))["container"]["app"]["pid"] == first; }, 10s))
      << get("/health").body;
  const auto app = body_json(get("/health"))["container"]["app"];
  EXPECT_GE(app["processes"].get<int>(), 1);
  EXPECT_GT(app["rss_bytes"].get<std::uint64_t>(), 0u);
  EXPECT_NE(get("/metrics").body.find("opsagent_app_rss_bytes "), std::string::npos);
  ::kill(first, SIGKILL);
  ASSERT_TRUE(eventually([&] { return count("listening") == 2; }, 10s)) << events();
  const pid_t second = app_pid();
  EXPECT_NE(second, first);
  ASSERT_TRUE(eventually(
      [&] { return body_json(get("/health"))["container"]["app"]["pid"] == second; }, 10s))
      << get("/health").body;
}

TEST_F(SuperviseTest, ReapsOrphansLikePid1Must) {
  start(config(), {{"APP_ORPHAN", "1"}});
  ASSERT_TRUE(wait_ready(200, 15s)) << events();
  const auto at = events().find("orphan ");
  ASSERT_NE(at, std::string::npos) << events();
  const pid_t orphan = std::stoi(events().substr(at + 7));
  // The orphan (its parent gone) exits after 1s. Its /proc entry disappears only once someone
  // reaps it: as the app's subreaper, that must be the agent.
  EXPECT_TRUE(
      eventually([&] { return !std::filesystem::exists("/proc/" + std::to_string(orphan)); }, 10s))
      << "pid " << orphan << " is still there (a zombie nobody reaped?)";
  EXPECT_TRUE(agent_->running());
}

TEST_F(SuperviseTest, AppHttpCheckUpDownSlowAndWrongStatus) {
  start(config("", "500ms"));
  ASSERT_TRUE(wait_ready(200, 15s)) << events();
  set("status", "500");
  ASSERT_TRUE(eventually([&] { return check_error("http:app") == "http_status"; }, 5s));
  EXPECT_EQ(get("/health/ready").status, 503);
  auto health = body_json(get("/health"));
  EXPECT_EQ(
      health["checks"]["http:app"][0]["output"],
      "GET http://127.0.0.1:" + std::to_string(app_port_) + "/healthz answered 500, expected 200");
  set("status", "200");
  set("delay", "2");
  ASSERT_TRUE(eventually([&] { return check_error("http:app") == "timeout"; }, 10s));
  auto slow = get("/health/ready");
  EXPECT_EQ(slow.status, 503);
  EXPECT_LT(slow.elapsed, 250ms) << "a slow app must not slow the healthcheck";
  set("delay", "0");
  ASSERT_TRUE(wait_ready(200, 10s));
}

TEST_F(SuperviseTest, AppNotListeningIsRefused) {
  // No supervised app at all: the check's port is closed.
  start_agent(config(), cluster_->app_dsn());
  ASSERT_TRUE(eventually([&] { return check_error("http:app") == "refused"; }, 10s));
  EXPECT_EQ(get("/health/ready").status, 503);
}

TEST_F(SuperviseTest, CommandThatCannotStartExits127) {
  AgentProcess::Options options;
  options.config_toml = config();
  options.env = {{"DATABASE_URL", cluster_->app_dsn()}};
  options.app = {"/nonexistent/app"};
  agent_ = std::make_unique<AgentProcess>(options);
  auto code = agent_->wait_exit(10s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 127);
  EXPECT_NE(agent_->log().find("cannot start `/nonexistent/app`"), std::string::npos);
}

}  // namespace
}  // namespace opsagent::testing
