#include "agent/daemon/app_process.hpp"

#include "common/process/exec_command.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

// POSIX leaves declaring environ to the program; <unistd.h> declares it only under _GNU_SOURCE.
extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace opsagent::daemon {

AppProcess::AppProcess(std::vector<std::string> argv) : argv_(std::move(argv)) {
  for (const auto& a : argv_) display_ += (display_.empty() ? "" : " ") + a;
}

std::expected<void, std::string> AppProcess::start() {
  if (argv_.empty()) return std::unexpected("no command to supervise");
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE, SIGQUIT}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  args.reserve(argv_.size() + 1);
  for (auto& a : argv_) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], nullptr, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return std::unexpected("cannot start `" + display_ + "`: " + std::strerror(rc));
  }
  pid_ = pid;
  return {};
}

std::optional<int> AppProcess::reap() {
  std::optional<int> app_status;
  for (;;) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;  // none left (0), or no children at all (ECHILD)
    if (pid == pid_) {
      app_status = status;
      pid_ = -1;
    } else {
      common::claim_reaped_command(pid, status);  // an exec receiver's command, if it was one
    }
  }
  return app_status;
}

void AppProcess::reap_orphans() {
  int status = 0;
  for (pid_t pid = 0; (pid = waitpid(-1, &status, WNOHANG)) > 0;) {
    common::claim_reaped_command(pid, status);
  }
}

void AppProcess::signal(int sig) const {
  if (pid_ > 0) kill(pid_, sig);
}

int AppProcess::exit_code(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

std::string AppProcess::describe(int wait_status) {
  if (WIFEXITED(wait_status))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    return "was killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "stopped unexpectedly";
}

}  // namespace opsagent::daemon
