// Tests of the test harness itself: if these fail, agent integration test failures mean nothing.
// Every wait is bounded; nothing sleeps to synchronise.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/agent_process.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/pg_cluster.hpp"
#include "tests/support/process.hpp"
#include "tests/support/run_binary.hpp"
#include "tests/support/silent_listener.hpp"
#include "tests/support/wait.hpp"

namespace opsagent::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

auto elapsed_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// A connected, blocking TCP socket to 127.0.0.1:port, or -1.
int tcp_connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// ---- free_tcp_port / eventually / run_process ----

TEST(FreeTcpPort, ReturnsDistinctPortsThatCanBeBound) {
  const int a = free_tcp_port();
  const int b = free_tcp_port();
  EXPECT_NE(a, b);
  EXPECT_GT(a, 1024);
  EXPECT_LT(a, 65536);

  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(a));
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << errno;
  ::close(fd);
}

TEST(Eventually, SeesAConditionTurnTrueAndGivesUpAtTheDeadline) {
  int calls = 0;
  EXPECT_TRUE(eventually([&] { return ++calls >= 3; }, 2s, 1ms));
  EXPECT_EQ(calls, 3);

  const auto start = Clock::now();
  EXPECT_FALSE(eventually([] { return false; }, 100ms));
  EXPECT_GE(elapsed_since(start), 100ms);
  EXPECT_LT(elapsed_since(start), 2s);
}

TEST(RunProcess, CapturesStdoutStderrAndExitCodeSeparately) {
  const RunResult r =
      run_process({"/bin/sh", "-c", "printf 'out:%s' \"$HARNESS_VAR\"; printf err >&2; exit 3"},
                  {{"HARNESS_VAR", "v1"}});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out:v1");
  EXPECT_EQ(r.err, "err");
}

TEST(RunProcess, KillsTheChildAtTheTimeout) {
  const auto start = Clock::now();
  const RunResult r = run_process({"/bin/sh", "-c", "echo started; exec sleep 30"}, {}, 300ms);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.out, "started\n");
  EXPECT_LT(elapsed_since(start), 5s);
}

TEST(RunProcess, ReportsDeathBySignalLikeAShell) {
  EXPECT_EQ(run_process({"/bin/sh", "-c", "kill -TERM $$"}).exit_code, 128 + SIGTERM);
  EXPECT_THROW(run_process({"/nonexistent/opsagent-harness-binary"}), std::system_error);
}

// ---- PgCluster ----

TEST(PgClusterTest, StartsWithTheRequestedSettingsOnItsOwnPortAndSocket) {
  PgCluster pg({.max_connections = 12, .superuser_reserved_connections = 2});
  ASSERT_TRUE(pg.running());
  EXPECT_GT(pg.postmaster_pid(), 0);
  EXPECT_NE(pg.port(), 5432);
  EXPECT_EQ(pg.query_value("SHOW max_connections"), "12");
  EXPECT_EQ(pg.query_value("SHOW superuser_reserved_connections"), "2");
  EXPECT_EQ(pg.query_value("SHOW port"), std::to_string(pg.port()));
  EXPECT_EQ(pg.query_value("SHOW unix_socket_directories"), pg.dir());
  EXPECT_EQ(pg.query_value("SHOW listen_addresses"), "127.0.0.1");
  EXPECT_EQ(pg.query_value("SELECT current_user"), "postgres");
  EXPECT_EQ(pg.query_value("SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database "
                           "WHERE datname = 'app'",
                           "postgres"),
            "app");
  EXPECT_THROW(pg.exec("SELECT * FROM no_such_table"), std::runtime_error);
  try {
    pg.exec("SELECT * FROM no_such_table");
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

TEST(PgClusterTest, ExtraConfLinesOverrideTheDefaults) {
  PgCluster pg({.extra_conf = {"statement_timeout = '4321ms'", "shared_buffers = 24MB"}});
  EXPECT_EQ(pg.query_value("SHOW statement_timeout"), "4321ms");
  EXPECT_EQ(pg.query_value("SHOW shared_buffers"), "24MB");
}

TEST(PgClusterTest, AppDsnAuthenticatesWithScramOverTcp) {
  PgCluster pg;
  const std::string dsn = pg.app_dsn();
  EXPECT_EQ(dsn,
            "postgresql://app:Pw-9f3c-SECRET-e41b@127.0.0.1:" + std::to_string(pg.port()) + "/app");
  auto conn = pg.connect(dsn);
  EXPECT_EQ(conn->query_value("SELECT current_user"), "app");
  EXPECT_EQ(conn->query_value("SELECT inet_server_port()"), std::to_string(pg.port()));
  conn->exec("CREATE TABLE owned_by_app (id int)");  // app owns the database and its schema

  try {
    pg.connect(pg.app_dsn("wrong-password"));
    ADD_FAILURE() << "a wrong password was accepted: pg_hba.conf is not enforcing scram";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("password authentication failed"), std::string::npos)
        << e.what();
  }
}

TEST(PgClusterTest, AppDsnPercentEncodesThePassword) {
  PgCluster pg;
  const std::string awkward = "p@ss:/w?rd#%20 x";
  pg.exec("ALTER ROLE app PASSWORD 'p@ss:/w?rd#%20 x'");
  const std::string dsn = pg.app_dsn(awkward);
  EXPECT_NE(dsn.find("p%40ss%3A%2Fw%3Frd%23%2520%20x@"), std::string::npos) << dsn;
  EXPECT_EQ(pg.connect(dsn)->query_value("SELECT current_user"), "app");
}

TEST(PgClusterTest, StopsStartsAndRecoversFromKillHard) {
  PgCluster pg;
  pg.exec("CREATE TABLE survives (v text); INSERT INTO survives VALUES ('before crash')");

  pg.stop();
  EXPECT_FALSE(pg.running());
  EXPECT_THROW(pg.query_value("SELECT 1"), std::runtime_error);
  EXPECT_NO_THROW(pg.stop());  // already stopped

  pg.start();
  ASSERT_TRUE(pg.running());
  const pid_t old_pm = pg.postmaster_pid();
  auto held = pg.connect(pg.app_dsn());

  pg.kill_hard();
  EXPECT_FALSE(pg.running());
  EXPECT_THROW(held->query_value("SELECT 1", 2s), std::runtime_error);

  pg.start();  // crash recovery; the stale pid file must not stop it
  ASSERT_TRUE(pg.running());
  EXPECT_NE(pg.postmaster_pid(), old_pm);
  EXPECT_EQ(pg.query_value("SELECT v FROM survives"), "before crash");
  EXPECT_EQ(pg.connect(pg.app_dsn())->query_value("SELECT current_user"), "app");
}

TEST(PgClusterTest, FreezeHangsClientsUntilThaw) {
  PgCluster pg;
  auto victim = pg.connect(pg.app_dsn());
  auto survivor = pg.connect(pg.app_dsn());

  pg.freeze();
  ASSERT_TRUE(pg.frozen());
  EXPECT_TRUE(pg.running());  // frozen is not dead: the processes and sockets are still there

  const auto start = Clock::now();
  EXPECT_THROW(HeldConnection::open(pg.app_dsn(), 1s), std::runtime_error);
  EXPECT_GE(elapsed_since(start), 900ms);  // it hung until the client timeout, not refused
  EXPECT_LT(elapsed_since(start), 10s);

  EXPECT_THROW(victim->query_value("SELECT 1", 500ms), std::runtime_error);

  pg.thaw();
  EXPECT_FALSE(pg.frozen());
  EXPECT_EQ(survivor->query_value("SELECT 41 + 1", 5s), "42");
  EXPECT_EQ(pg.connect(pg.app_dsn())->query_value("SELECT 'fresh'"), "fresh");
}

TEST(PgClusterTest, HeldConnectionsExhaustTheNonSuperuserSlots) {
  PgCluster pg({.max_connections = 6, .superuser_reserved_connections = 3});
  std::vector<std::unique_ptr<HeldConnection>> held;
  held.reserve(3);
  for (int i = 0; i < 3; ++i) held.push_back(pg.connect(pg.app_dsn()));
  EXPECT_NE(held[0]->backend_pid(), held[1]->backend_pid());

  try {
    pg.connect(pg.app_dsn());
    ADD_FAILURE() << "a 4th app connection succeeded with max_connections=6, reserved=3";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("reserved"), std::string::npos) << e.what();
  }
  EXPECT_EQ(pg.query_value("SELECT count(*) FROM pg_stat_activity WHERE usename = 'app'"), "3");

  held.pop_back();  // frees a slot; the backend exits asynchronously, so poll
  EXPECT_TRUE(eventually(
      [&] {
        try {
          held.push_back(pg.connect(pg.app_dsn()));
          return true;
        } catch (const std::runtime_error&) {
          return false;
        }
      },
      5s, 50ms));
}

TEST(PgClusterTest, DestructorRemovesTheDirAndStopsTheServer) {
  std::string dir;
  pid_t pm = -1;
  {
    PgCluster pg;
    dir = pg.dir();
    pm = pg.postmaster_pid();
    pg.freeze();  // the destructor must cope with a frozen server
  }
  EXPECT_NE(::access(dir.c_str(), F_OK), 0);
  // Gone, or a zombie nobody has reaped yet: either way it no longer runs.
  EXPECT_TRUE(eventually([&] { return !process_alive(pm); }, 5s));
}

// ---- SilentTcpListener ----

TEST(SilentTcpListenerTest, AcceptsConnectionsAndNeverSendsAByte) {
  SilentTcpListener listener;
  const int fd = tcp_connect(listener.port());
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(eventually([&] { return listener.accepted() == 1; }, 2s));

  timeval tv{0, 300'000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char byte = 0;
  const ssize_t n = ::recv(fd, &byte, 1, 0);
  const int err = errno;
  EXPECT_EQ(n, -1) << "the listener sent data or closed the connection";
  EXPECT_TRUE(err == EAGAIN || err == EWOULDBLOCK) << err;
  ::close(fd);
}

TEST(SilentTcpListenerTest, MakesLibpqHangUntilItsConnectTimeout) {
  SilentTcpListener listener;
  const auto start = Clock::now();
  EXPECT_THROW(HeldConnection::open(listener.dsn(), 1s), std::runtime_error);
  EXPECT_GE(elapsed_since(start), 900ms);
  EXPECT_LT(elapsed_since(start), 10s);
  EXPECT_GE(listener.accepted(), 1);
}

TEST(SilentTcpListenerTest, DestructorReturnsPromptlyWithConnectionsHeld) {
  auto listener = std::make_unique<SilentTcpListener>();
  const int fd = tcp_connect(listener->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(eventually([&] { return listener->accepted() == 1; }, 2s));
  const auto start = Clock::now();
  listener.reset();
  EXPECT_LT(elapsed_since(start), 2s);
  char byte = 0;
  EXPECT_EQ(::recv(fd, &byte, 1, 0), 0);  // the held connection was closed: EOF
  ::close(fd);
}

// ---- AgentProcess, with stand-ins for the agent binary ----

// The shell stand-ins run `sh -c SCRIPT --config FILE`: in SCRIPT $0 is "--config", $1 the file.

TEST(AgentProcessTest, PassesArgsConfigPortAndEnvironmentToTheChild) {
  AgentProcess agent({.config_toml = "[agent]\ninterval = \"1s\"\n",
                      .env = {{"HARNESS_EXTRA", "extra-value"}, {"HOME", "/harness-home"}},
                      .args = {"-c",
                               "echo \"port=$PORT extra=$HARNESS_EXTRA home=$HOME flag=$0\"; "
                               "cat \"$1\"; echo on-stderr >&2; echo ready; exec sleep 30"},
                      .binary = "/bin/sh"});
  ASSERT_TRUE(agent.wait_for_log("ready", 5s)) << agent.log();
  const std::string log = agent.log();
  EXPECT_NE(log.find("port=" + std::to_string(agent.port()) +
                     " extra=extra-value home=/harness-home flag=--config"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("interval = \"1s\""), std::string::npos) << log;
  EXPECT_NE(log.find("on-stderr"), std::string::npos) << log;
  EXPECT_EQ(agent.config_path().rfind("/tmp/", 0), 0u);

  EXPECT_TRUE(agent.running());
  EXPECT_FALSE(agent.wait_exit(50ms).has_value());
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait_exit(5s), 128 + SIGTERM);
  EXPECT_FALSE(agent.running());
  agent.signal(SIGTERM);  // no-op after exit
}

TEST(AgentProcessTest, ReportsTheExitCodeAndThrowsForAMissingBinary) {
  EXPECT_EQ(AgentProcess({.args = {"-c", "exit 7"}, .binary = "/bin/sh"}).wait_exit(5s), 7);

  EXPECT_THROW(AgentProcess({.binary = "/nonexistent/opsagent"}), std::system_error);
}

// A minimal HTTP server on $PORT standing in for the agent: 200 on /health/ready, 503 elsewhere.
constexpr const char* kFakeAgent = R"perl(
use strict; use IO::Socket::INET;
my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ENV{PORT},
                              Listen => 16, ReuseAddr => 1) or die "listen: $!";
$| = 1; print "listening\n";
while (my $c = $s->accept) {
  my ($m, $p) = split / /, scalar <$c>;
  my $hdr = "";
  while (my $h = <$c>) { last if $h =~ /^\r?\n$/; $hdr .= $h; }
  my ($code, $body) = $p eq "/health/ready" ? (200, "ready") : (503, "not ready");
  my $echo = $hdr =~ /^X-Probe: (\S+)/mi ? $1 : "none";
  print $c "HTTP/1.1 $code X\r\nContent-Type: text/plain\r\nX-Method: $m\r\nX-Echo: $echo\r\n",
           "Content-Length: ", length($body), "\r\nConnection: close\r\n\r\n", $body;
  close $c;
}
)perl";

TEST(AgentProcessTest, GetSpeaksHttpToTheChildsPort) {
  // "--": perl leaves "--config FILE" in @ARGV instead of parsing it as its own switches.
  AgentProcess agent({.args = {"-e", kFakeAgent, "--"}, .binary = "/usr/bin/perl"});
  ASSERT_TRUE(agent.wait_for_status("/health/ready", 200, 5s)) << agent.log();

  const auto ready = agent.get("/health/ready", {{"X-Probe", "abc"}});
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready");
  EXPECT_TRUE(ready.error.empty());
  EXPECT_EQ(ready.header("X-Method"), "GET");
  EXPECT_EQ(ready.header("X-Echo"), "abc");
  EXPECT_GT(ready.elapsed.count(), 0);

  const auto head = agent.get("/health/ready", {}, "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.header("X-Method"), "HEAD");

  EXPECT_EQ(agent.get("/elsewhere").status, 503);
  const auto start = Clock::now();
  EXPECT_FALSE(agent.wait_for_status("/elsewhere", 200, 300ms));
  EXPECT_LT(elapsed_since(start), 3s);

  agent.signal(SIGKILL);
  ASSERT_EQ(agent.wait_exit(5s), 128 + SIGKILL);
  const auto down = agent.get("/health/ready");
  EXPECT_EQ(down.status, 0);
  EXPECT_FALSE(down.error.empty());
  const auto gave_up = Clock::now();
  EXPECT_FALSE(agent.wait_for_status("/health/ready", 200, 5s));
  EXPECT_LT(elapsed_since(gave_up), 1s);  // a dead agent ends the wait at once
}

}  // namespace
}  // namespace opsagent::testing
