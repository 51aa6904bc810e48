// Supervise mode's decisions about the app (`opsagent run -- gunicorn web.app:app`): start it,
// tell readiness why it is not running, exit with its status or restart it after a backoff
// (supervise.on_exit, restart_policy.hpp), and on shutdown pass the signal on, wait, then
// SIGKILL. Thread-safety: main thread only (it owns SIGCHLD, see signal_wait.hpp).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/daemon/app_process.hpp"
#include "agent/daemon/restart_policy.hpp"
#include "agent/daemon/signal_wait.hpp"
#include "common/clock.hpp"
#include "common/latest.hpp"
#include "config/config.hpp"

namespace opsagent::daemon {

class AppSupervisor {
 public:
  // `problem`: where readiness reads why the app is not running. `report`: called right after
  // the app exited, so readiness turns 503 and the transition is logged before anything else.
  // `started`: called with the app's pid each time it starts (the container sampler reads its
  // process tree).
  AppSupervisor(std::vector<std::string> argv, common::Latest<std::string>& problem,
                std::function<void()> report, std::function<void(int)> started = {});

  // Starts the app; false (logged, and the problem set) when it cannot be started.
  bool start();

  // SIGCHLD while serving: reaps every exited child. When the app itself exited: the exit code
  // the agent exits with (on_exit = "exit"), or nullopt when a restart is scheduled (or only an
  // orphan was reaped).
  std::optional<int> on_child_exit(const config::SuperviseSection& supervise);
  // Starts the app again once its scheduled restart is due.
  void restart_if_due(SteadyClock::time_point now, const config::SuperviseSection& supervise);
  // When the scheduled restart is due (nullopt: none is scheduled).
  std::optional<SteadyClock::time_point> restart_due() const { return restart_at_; }

  // Passes a signal on (SIGHUP after a reload: e.g. gunicorn reloads its workers).
  void forward(int sig) const { app_.signal(sig); }

  // SIGCHLD during shutdown: reaps, remembering the app's status.
  void on_child_exit_while_stopping();
  // Passes the shutdown signal `sig` on, waits up to `timeout` for the app, SIGKILLs it past
  // that. Returns the app's exit code as a shell would report it (0 when it was not running).
  int stop(const HandledSignals& signals, int sig, config::Duration timeout);

  const std::string& command_line() const { return app_.command_line(); }

 private:
  void schedule_restart(const config::SuperviseSection& supervise);

  AppProcess app_;
  common::Latest<std::string>& problem_;
  std::function<void()> report_;
  std::function<void(int)> started_callback_;
  std::optional<int> status_;  // its wait status once it exited during shutdown
  std::optional<SteadyClock::time_point> restart_at_;
  SteadyClock::time_point started_;
  RestartBackoff backoff_;
};

}  // namespace opsagent::daemon
