// exec receivers: body and variables, failures with stderr, timeouts that kill the process group.
#include "agent/alerts/delivery/exec_sender.hpp"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "agent/alerts/payloads/payloads.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include "agent/alerts/delivery/delivery_test_helpers.hpp"

namespace opsagent::alerts::delivery_testing {
namespace {

// An executable shell script `name` in `dir`, running `text`.
std::string write_script(const testing::TempDir& dir, const std::string& name,
                         const std::string& text) {
  std::string path = dir.file(name);
  {
    std::ofstream out(path);
    out << "#!/bin/sh\n" << text;
  }
  ::chmod(path.c_str(), 0755);
  return path;
}

std::string read_text(const testing::TempDir& dir, const std::string& name) {
  std::ifstream in(dir.file(name));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

config::AlertReceiver exec_receiver(std::vector<std::string> command,
                                    std::chrono::milliseconds timeout = 5s) {
  auto r = receiver("cmd", Type::exec, "", timeout);
  r.command = std::move(command);
  return r;
}

TEST(DeliveryExec, ScriptGetsTheBodyAndItsVariablesButNoSecrets) {
  const testing::TempDir dir("opsagent-delivery");
  const auto script = write_script(dir, "hook.sh",
                                   "cat > \"$1/stdin\"\n"
                                   "printf '%s' \"$OPSAGENT_ALERT_NAME\" > \"$1/name\"\n"
                                   "printf '%s' \"${DATABASE_URL-unset}\" > \"$1/database_url\"\n"
                                   "env > \"$1/env\"\n");
  const ScopedEnv secret("DATABASE_URL", "postgres://app:s3cret@db/app");
  const auto n = make_notification("PostgresPoolSaturation");
  const auto r = exec_receiver({script, dir.path().string()});
  const auto result =
      attempt_delivery(r, job_for("cmd", n), config::process_environment(), who(), 300s);
  EXPECT_EQ(result.kind, Kind::delivered) << result.error;
  EXPECT_EQ(read_text(dir, "stdin"), webhook_body(n, "cmd", who()));
  EXPECT_EQ(read_text(dir, "name"), "PostgresPoolSaturation");
  EXPECT_EQ(read_text(dir, "database_url"), "unset");
  const std::string env = read_text(dir, "env");
  EXPECT_EQ(env.find("s3cret"), std::string::npos);
  EXPECT_NE(env.find("OPSAGENT_ALERT_ID=" + n.id), std::string::npos) << env;
  EXPECT_NE(env.find("PATH="), std::string::npos) << env;
}

TEST(DeliveryExec, NonZeroExitIsARetriedFailureWithItsStderr) {
  const testing::TempDir dir("opsagent-delivery");
  const auto script =
      write_script(dir, "fail.sh", "cat >/dev/null\necho 'no route to pager' >&2\nexit 3\n");
  const auto result =
      attempt_delivery(exec_receiver({script}), job_for("cmd", make_notification("A")),
                       config::process_environment(), who(), 300s);
  EXPECT_EQ(result.kind, Kind::exec_failed);
  EXPECT_EQ(result.status, 3);
  EXPECT_NE(result.error.find("no route to pager"), std::string::npos) << result.error;
  EXPECT_EQ(decide_retry(result, 1, RetryPolicy{}, 0.5).action, Action::retry);
}

TEST(DeliveryExec, CommandThatIgnoresStdinDoesNotHurtTheAgent) {
  // The body is larger than a pipe buffer and the command never reads it: the write side sees
  // EPIPE (and SIGPIPE, which must not kill this process) or just the exit.
  const testing::TempDir dir("opsagent-delivery");
  const auto script = write_script(dir, "quick.sh", "exit 0\n");
  auto n = make_notification("A");
  n.alert.details.assign(2000, std::string(100, 'd'));
  const auto result = attempt_delivery(exec_receiver({script}), job_for("cmd", n),
                                       config::process_environment(), who(), 300s);
  EXPECT_EQ(result.kind, Kind::delivered) << result.error;
}

bool process_gone_or_zombie(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z';
}

TEST(DeliveryExec, CommandPastItsTimeoutIsKilledAndReaped) {
  const testing::TempDir dir("opsagent-delivery");
  const auto script =
      write_script(dir, "slow.sh",
                   "echo $$ > \"$1/pid.tmp\" && mv \"$1/pid.tmp\" \"$1/pid\"\n"
                   "sleep 30 &\n"
                   "echo $! > \"$1/child.tmp\" && mv \"$1/child.tmp\" \"$1/child\"\n"
                   "wait\n");
  const auto start = SteadyClock::now();
  const auto result = attempt_delivery(exec_receiver({script, dir.path().string()}, 1s),
                                       job_for("cmd", make_notification("A")),
                                       config::process_environment(), who(), 300s);
  const auto took = SteadyClock::now() - start;
  EXPECT_EQ(result.kind, Kind::timeout) << result.error;
  EXPECT_GE(took, 900ms);
  EXPECT_NE(result.error.find("did not finish within 1s: killed"), std::string::npos)
      << result.error;
  const std::string pid_text = read_text(dir, "pid");
  const std::string child_text = read_text(dir, "child");
  ASSERT_FALSE(pid_text.empty());
  ASSERT_FALSE(child_text.empty());
  const pid_t pid = std::stoi(pid_text);
  const pid_t child = std::stoi(child_text);
  // Reaped by us: not even a zombie is left.
  errno = 0;
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  // What it started was in its process group and was killed too (reaped by init, eventually).
  EXPECT_TRUE(eventually([&] { return process_gone_or_zombie(child); }, 5s));
}

TEST(DeliveryExec, MissingCommandIsAConfigResult) {
  const auto result = attempt_delivery(exec_receiver({"/nonexistent/opsagent-hook"}),
                                       job_for("cmd", make_notification("A")),
                                       config::process_environment(), who(), 300s);
  EXPECT_EQ(result.kind, Kind::config);
  EXPECT_NE(result.error.find("/nonexistent/opsagent-hook"), std::string::npos) << result.error;
  const auto empty = attempt_delivery(exec_receiver({}), job_for("cmd", make_notification("A")),
                                      config::process_environment(), who(), 300s);
  EXPECT_EQ(empty.kind, Kind::config);
}

}  // namespace
}  // namespace opsagent::alerts::delivery_testing
