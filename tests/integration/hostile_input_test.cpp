// Issue 13: inputs that hung, crashed or misled the agent, run against the real binary. Files
// that are not files (findings 3, 4), a DSN whose password has an "@" (5), bad --url values (6),
// a timeout too long for the clock (8), a table shadowed through the agent's own search_path and
// a view posing as a table (9, 10), and delivery errors that say what happened (10).
#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/run_binary.hpp"
#include "tests/support/temp_dir.hpp"

namespace opsagent::testing {
namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// No server needed: the agent must refuse these before it touches the database.
class HostileFileTest : public ::testing::Test {
 protected:
  std::string config_with_state_file(const std::string& state_file) {
    std::string path = dir_.file("opsagent.toml");
    write_file(path, agent_config("expected_tables = []\n", {},
                                  "[alerts]\nstate_file = \"" + state_file + "\"\n"));
    return path;
  }
  TempDir dir_;
  // Nothing listens there; never reached, as the config is refused first.
  std::map<std::string, std::string> env_{
      {"DATABASE_URL", "postgresql://app@127.0.0.1:" + std::to_string(free_tcp_port()) + "/app"},
      {"PORT", std::to_string(free_tcp_port())}};
};

// A FIFO as the state file: `run` blocked in open() for ever (SIGTERM blocked already), and
// `validate` accepted it. Both now refuse it at once, naming the key.
TEST_F(HostileFileTest, StateFileThatIsAFifoIsAConfigErrorNotAHang) {
  const std::string fifo = dir_.file("alerts.json");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string config = config_with_state_file(fifo);
  const auto validated = run_agent_cli({"validate", "--config", config}, env_, 10s);
  EXPECT_EQ(validated.exit_code, 3) << validated.err;
  EXPECT_NE(validated.err.find("alerts.state_file: the path names a FIFO"), std::string::npos)
      << validated.err;
  const auto run = run_agent_cli({"run", "--config", config}, env_, 10s);
  EXPECT_EQ(run.exit_code, 3) << "-1 means it hung; stderr: " << run.err << run.out;
  EXPECT_NE((run.err + run.out).find("FIFO"), std::string::npos) << run.err << run.out;
}

// /dev/zero as the state file or as the config: read until memory ran out (std::bad_alloc,
// abort). Now refused unread.
TEST_F(HostileFileTest, DevicesAreRefusedUnread) {
  const auto run =
      run_agent_cli({"run", "--config", config_with_state_file("/dev/zero")}, env_, 10s);
  EXPECT_EQ(run.exit_code, 3) << run.err << run.out;
  EXPECT_NE((run.err + run.out).find("character device"), std::string::npos) << run.err;
  for (const char* device : {"/dev/zero", "/dev/full"}) {
    const auto validated = run_agent_cli({"validate", "--config", device}, env_, 10s);
    EXPECT_EQ(validated.exit_code, 3) << device << ": " << validated.err;
    EXPECT_NE(validated.err.find("is a character device, not a regular file"), std::string::npos)
        << validated.err;
  }
}

// A 100 MB config took 31 s and 4.6 GB and printed 9.5 million lines. Over the size limit it is
// refused unread; under it, the problems listed are capped.
TEST_F(HostileFileTest, HugeConfigsAreRefusedAndProblemsCapped) {
  const std::string big = dir_.file("big.toml");
  {
    std::ofstream out(big, std::ios::binary);
    const std::string line = "k = 1\n";
    for (int i = 0; i < 2 * 1024 * 1024 / static_cast<int>(line.size()); ++i) out << line;
  }
  const auto refused = run_agent_cli({"validate", "--config", big}, env_, 10s);
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_NE(refused.err.find("larger than the limit of 1 MiB"), std::string::npos) << refused.err;

  const std::string many = dir_.file("many.toml");
  {
    std::ofstream out(many, std::ios::binary);
    out << "[agent]\n";
    for (int i = 0; i < 30'000; ++i) out << "k" << i << " = 1\n";
  }
  const auto capped = run_agent_cli({"validate", "--config", many}, env_, 30s);
  EXPECT_EQ(capped.exit_code, 3);
  const auto lines = std::count(capped.err.begin(), capped.err.end(), '\n');
  EXPECT_EQ(lines, 51) << capped.err.substr(0, 2000);
  EXPECT_NE(capped.err.find("and 29950 more problems"), std::string::npos)
      << capped.err.substr(capped.err.size() > 500 ? capped.err.size() - 500 : 0);
}

// `status --url ftp://x` died with "terminate called" (exit 134); other bad URLs exited 2 with
// httplib's "Connection". Each is now exit 3 with the reason.
TEST_F(HostileFileTest, StatusRejectsBadUrlsWithAReason) {
  const struct {
    std::string url;
    std::string says;
  } cases[] = {
      {"ftp://x", "the scheme \"ftp\" is not supported"},
      {"http://[::1", "missing \"]\""},
      {"file:///etc/passwd", "not supported"},
      {"http://127.0.0.1:8080/status", "a path, query or fragment is not allowed"},
      {"http://127.0.0.1:8080?x=1", "a path, query or fragment is not allowed"},
      {"http://user:pw@127.0.0.1:8080", "user name or password"},
      {"127.0.0.1:8080", "missing"},
  };
  for (const auto& [url, says] : cases) {
    const auto r = run_agent_cli({"status", "--url", url}, {}, 10s);
    EXPECT_EQ(r.exit_code, 3) << url << ": " << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << url << ": " << r.err;
    EXPECT_EQ(r.err.find("terminate"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("pw@"), std::string::npos) << r.err;
  }
  // A good URL with nobody there: 2, saying what happened.
  const int closed = free_tcp_port();
  const auto nobody =
      run_agent_cli({"status", "--url", "http://127.0.0.1:" + std::to_string(closed)}, {}, 10s);
  EXPECT_EQ(nobody.exit_code, 2) << nobody.err;
  EXPECT_NE(nobody.err.find("connection refused"), std::string::npos) << nobody.err;
}

// `wait --timeout 3000000h` with the database down gave up at once: the deadline wrapped into
// the past. It must still be waiting after a few seconds.
TEST_F(HostileFileTest, WaitWithAHugeTimeoutKeepsWaiting) {
  const std::string config = dir_.file("opsagent.toml");
  write_file(config, agent_config("expected_tables = []\n"));
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_agent_cli({"wait", "--timeout", "3000000h", "--config", config}, env_, 3s);
  EXPECT_EQ(r.exit_code, -1) << "it returned instead of waiting: " << r.err;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_NE(r.err.find("waiting: "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("not ready after"), std::string::npos) << r.err;
}

// test-alert against a port nothing listens on, and a name that does not resolve.
TEST_F(HostileFileTest, DeliveryErrorsSayWhatHappened) {
  const std::string config = dir_.file("opsagent.toml");
  const auto with_receiver = [&](const std::string& url) {
    write_file(config, agent_config("expected_tables = []\n", {},
                                    "[alerts]\nstate_file = \"\"\n[[alerts.receivers]]\n"
                                    "name = \"hook\"\ntype = \"webhook\"\nurl = \"" +
                                        url + "\"\ntimeout = \"2s\"\n"));
  };
  with_receiver("http://127.0.0.1:" + std::to_string(free_tcp_port()) + "/hook/T0KEN");
  const auto refused =
      run_agent_cli({"test-alert", "--receiver", "hook", "--config", config}, env_, 20s);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("127.0.0.1: connection refused"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find("T0KEN"), std::string::npos) << refused.err;

  with_receiver("http://opsagent-test.invalid/hook");
  const auto unresolved =
      run_agent_cli({"test-alert", "--receiver", "hook", "--config", config}, env_, 20s);
  EXPECT_EQ(unresolved.exit_code, 2) << unresolved.err;
  EXPECT_NE(unresolved.err.find("opsagent-test.invalid: name resolution failed"), std::string::npos)
      << unresolved.err;
}

class HostileDatabaseTest : public AgentTest {
 protected:
  void SetUp() override { cluster_ = std::make_unique<PgCluster>(); }

  // Under [readiness] `readiness`, the agent reports `permits` missing; under `fixed` it is ready.
  void expect_permits_missing_unless(const std::string& readiness, const std::string& fixed) {
    start_agent(agent_config(readiness), cluster_->app_dsn());
    ASSERT_TRUE(wait_for_check("schema:tables", 15s));
    ASSERT_TRUE(wait_for_cycles(1, 5s));
    const auto ready = get("/health/ready");
    EXPECT_EQ(ready.status, 503) << ready.body;
    EXPECT_EQ(body_json(ready)["checks"]["schema:tables"]["missing"], nlohmann::json({"permits"}));
    agent_.reset();
    start_agent(agent_config(fixed), cluster_->app_dsn());
    EXPECT_TRUE(wait_ready(200, 15s));
  }

  std::unique_ptr<PgCluster> cluster_;
};

// A password with an unencoded "@": libpq took the rest of it for the host, and the agent showed
// "app@SECRET-at@127.0.0.1:..." in its log, /health, /status and check output. Now it is a
// config error naming the fix, and no piece of the password appears anywhere.
TEST_F(HostileDatabaseTest, PasswordWithAnUnencodedAtIsAConfigErrorThatLeaksNothing) {
  cluster_->exec("ALTER ROLE app PASSWORD 'Zq9@SECRET-at'");
  const std::string dsn =
      "postgresql://app:Zq9@SECRET-at@127.0.0.1:" + std::to_string(cluster_->port()) + "/app";
  start_agent(agent_config("expected_tables = []\n"), dsn);
  ASSERT_TRUE(wait_for_check("postgres:connection", 15s));
  const auto ready = body_json(get("/health/ready"));
  EXPECT_EQ(ready["checks"]["postgres:connection"]["error"], "config") << ready.dump();
  const auto health = get("/health");
  const auto status = get("/status", {{"Accept", "text/plain"}});
  EXPECT_NE(health.body.find("%40"), std::string::npos) << health.body;
  const auto check =
      run_agent_cli({"check", "--config", agent_->config_path()}, {{"DATABASE_URL", dsn}}, 20s);
  EXPECT_EQ(check.exit_code, 2) << check.out << check.err;
  for (const auto& shown : {agent_->log(), health.body, status.body, check.out + check.err}) {
    EXPECT_EQ(shown.find("SECRET"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("Zq9"), std::string::npos) << shown;
  }

  // Percent-encoded, the same password works.
  agent_.reset();
  start_agent(
      agent_config("expected_tables = []\n"),
      "postgresql://app:Zq9%40SECRET-at@127.0.0.1:" + std::to_string(cluster_->port()) + "/app");
  EXPECT_TRUE(wait_ready(200, 15s));
  EXPECT_EQ(agent_->log().find("SECRET"), std::string::npos) << agent_->log();
}

// The agent's role has a schema of its own ("app", first in its search_path under the default
// "$user", public) holding `permits`; public.permits is gone. The app's role would get
// `relation "permits" does not exist`, yet the agent said ready.
TEST_F(HostileDatabaseTest, TableShadowedThroughTheAgentsSearchPathIsMissing) {
  cluster_->exec(
      "CREATE SCHEMA app AUTHORIZATION app; CREATE TABLE app.permits (id int);"
      "CREATE TABLE public.permits_old (id int); ALTER TABLE app.permits OWNER TO app;");
  ASSERT_EQ(cluster_->query_value("SELECT current_setting('search_path')"), "\"$user\", public");
  // Told that the app searches "app" first, the agent finds it there, as the app would.
  expect_permits_missing_unless(
      "expected_tables = [\"permits\"]\n",
      "expected_tables = [\"permits\"]\nsearch_path = [\"app\", \"public\"]\n");
}

// A view named like an expected table counted as the table.
TEST_F(HostileDatabaseTest, AViewCountsAsATableOnlyWhenAllowed) {
  cluster_->exec(
      "CREATE TABLE contacts (id int); CREATE VIEW permits AS SELECT 1 AS id;"
      "ALTER TABLE contacts OWNER TO app; ALTER VIEW permits OWNER TO app;");
  const std::string tables = "expected_tables = [\"permits\", \"contacts\"]\n";
  expect_permits_missing_unless(tables, tables + "accept_views = true\n");
}

}  // namespace
}  // namespace opsagent::testing
