// The one-shot commands: validate, check, wait, --version.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/run_binary.hpp"

namespace opsagent::testing {
namespace {

class CliTest : public ::testing::Test {
 protected:
  std::string write_config(const std::string& text) {
    path_ = ::testing::TempDir() + "opsagent-cli-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml";
    std::ofstream(path_, std::ios::trunc) << text;
    return path_;
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_;
};

TEST_F(CliTest, VersionAndHelp) {
  auto v = run_agent_cli({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("opsagent "), std::string::npos);
  auto h = run_agent_cli({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  for (const char* cmd : {"run", "validate", "check", "wait"}) {
    EXPECT_NE(h.out.find(cmd), std::string::npos) << cmd;
  }
}

TEST_F(CliTest, ValidateAcceptsTheShippedExamples) {
  for (const char* file : {"config/example.toml", "config/demo.toml"}) {
    auto r = run_agent_cli({"validate", "--config", std::string(OPSAGENT_SOURCE_DIR) + "/" + file});
    EXPECT_EQ(r.exit_code, 0) << file << ": " << r.err;
    EXPECT_NE(r.out.find("OK"), std::string::npos);
  }
}

TEST_F(CliTest, ValidateCountsWhatTheConfigWatches) {
  auto path = write_config(
      "[readiness]\nexpected_tables = [\"permits\"]\n"
      "[[readiness.http]]\nname = \"app\"\nurl = \"http://127.0.0.1:8000/healthz\"\n"
      "[[jobs]]\nname = \"nightly\"\njob_name = \"nightly_sync\"\nmax_age = \"26h\"\n"
      "[[queries]]\nname = \"cache\"\nsql = \"SELECT 1 AS entries\"\n"
      "[[queries]]\nname = \"other\"\nsql = \"SELECT 2 AS n\"\n");
  auto r = run_agent_cli({"validate", "--config", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(": OK (1 expected table, 0 migration markers, 1 http check, 1 job, 2 "
                       "queries)\n"),
            std::string::npos)
      << r.out;
}

TEST_F(CliTest, ValidateListsEveryProblemWithLineAndKey) {
  auto path = write_config(
      "[agent]\n"
      "interval = \"5 seconds\"\n"
      "listen = \"nowhere\"\n"
      "[database]\n"
      "statment_timeout = \"5s\"\n");
  auto r = run_agent_cli({"validate", "--config", path});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find(path + ":2:12: agent.interval:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path + ":3:10: agent.listen:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(":5:1: database.statment_timeout:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'database.statement_timeout'"), std::string::npos) << r.err;
}

TEST_F(CliTest, ValidateMissingFile) {
  auto r = run_agent_cli({"validate", "--config", "/nonexistent/opsagent.toml"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("/nonexistent/opsagent.toml"), std::string::npos);
}

TEST_F(CliTest, ConfigFromEnvironmentVariable) {
  auto path = write_config("[agent]\ninterval = \"1s\"\n");
  auto r = run_agent_cli({"validate"}, {{"OPSAGENT_CONFIG", path}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(path), std::string::npos);
}

class CliAgainstPostgresTest : public CliTest {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<PgCluster>();
    cluster_->exec("CREATE TABLE permits (id int)");
  }
  std::unique_ptr<PgCluster> cluster_;
};

TEST_F(CliAgainstPostgresTest, CheckReadyAndNotReadyWithNagiosExitCodes) {
  auto ok = run_agent_cli(
      {"check", "--config", write_config(agent_config("expected_tables = [\"permits\"]\n"))},
      {{"DATABASE_URL", cluster_->app_dsn()}});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_TRUE(ok.out.starts_with("OPSAGENT OK - ")) << ok.out;
  EXPECT_NE(ok.out.find("| duration="), std::string::npos);

  auto bad =
      run_agent_cli({"check", "--config",
                     write_config(agent_config("expected_tables = [\"permits\", \"gone\"]\n"))},
                    {{"DATABASE_URL", cluster_->app_dsn()}});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(bad.out.starts_with("OPSAGENT CRITICAL - schema:tables: missing tables: gone"))
      << bad.out;

  auto json = run_agent_cli({"check", "--json", "--config", path_},
                            {{"DATABASE_URL", cluster_->app_dsn()}});
  EXPECT_EQ(json.exit_code, 2);
  auto j = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << json.out;
  EXPECT_EQ(j["status"], "fail");
  EXPECT_EQ(j["checks"]["schema:tables"][0]["missing"], nlohmann::json({"gone"}));

  for (const auto& out : {ok.out, ok.err, bad.out, bad.err, json.out, json.err}) {
    EXPECT_EQ(out.find(PgCluster::kAppPassword), std::string::npos);
  }
}

TEST_F(CliAgainstPostgresTest, CheckConfigErrorIsUnknown) {
  auto r = run_agent_cli({"check", "--config", write_config("[agent]\nbogus = 1\n")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("OPSAGENT UNKNOWN"), std::string::npos) << r.err;
}

TEST_F(CliAgainstPostgresTest, WaitReturnsOnceReadyAndTimesOutOtherwise) {
  auto path = write_config(agent_config("expected_tables = [\"permits\", \"late\"]\n"));
  auto timed_out = run_agent_cli({"wait", "--timeout", "1s", "--config", path},
                                 {{"DATABASE_URL", cluster_->app_dsn()}});
  EXPECT_EQ(timed_out.exit_code, 2);
  EXPECT_NE(timed_out.err.find("missing tables: late"), std::string::npos) << timed_out.err;

  cluster_->exec("CREATE TABLE late (id int)");
  auto ready = run_agent_cli({"wait", "--timeout", "20s", "--config", path},
                             {{"DATABASE_URL", cluster_->app_dsn()}});
  EXPECT_EQ(ready.exit_code, 0) << ready.err;
  EXPECT_NE(ready.out.find("ready"), std::string::npos);
}

TEST_F(CliAgainstPostgresTest, WaitRejectsABadTimeout) {
  auto r = run_agent_cli({"wait", "--timeout", "soon", "--config",
                          write_config(agent_config("expected_tables = []\n"))});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("--timeout"), std::string::npos);
}

}  // namespace
}  // namespace opsagent::testing
