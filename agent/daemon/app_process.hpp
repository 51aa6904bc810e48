// Supervise mode's child process: the app (`opsagent run -- gunicorn app:app`) runs as the
// agent's child, so on a platform with one start command per service (Railway) the agent can
// gate the app's own deploy. This is the process handle; app_supervisor.hpp decides when to
// start, restart and stop it. The agent may be PID 1 in a container: it reaps every child that
// reaches it, the app's orphans included (it makes itself a subreaper so that holds outside
// containers too).
// Thread-safety: used by the main thread only (it owns SIGCHLD).
#pragma once

#include <sys/types.h>

#include <expected>
#include <optional>
#include <string>
#include <vector>

namespace opsagent::daemon {

class AppProcess {
 public:
  explicit AppProcess(std::vector<std::string> argv);

  // Starts the app with default signal dispositions and an empty signal mask (the agent blocks
  // TERM/INT/HUP/CHLD and ignores PIPE; the app must not inherit that).
  std::expected<void, std::string> start();

  // Reaps every exited child without blocking. Returns the app's wait status when the app was
  // among them.
  std::optional<int> reap();
  // Reaps whatever exited when there is no app (the agent as PID 1 still inherits orphans).
  static void reap_orphans();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // The app's command line as typed, for log lines ("gunicorn web.app:app").
  const std::string& command_line() const { return display_; }

  // The exit code a shell would report: the code, or 128 + the signal number.
  static int exit_code(int wait_status);
  // "exited with status 3", "was killed by signal 9 (Killed)".
  static std::string describe(int wait_status);

 private:
  std::vector<std::string> argv_;
  std::string display_;
  pid_t pid_ = -1;
};

}  // namespace opsagent::daemon
