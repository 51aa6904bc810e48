#include "agent/daemon/signal_loop.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "config/syntax/duration.hpp"

namespace opsagent::daemon {

namespace {

void reap(AppSupervisor* app) {
  if (app != nullptr) {
    app->on_child_exit_while_stopping();
  } else {
    AppProcess::reap_orphans();
  }
}

// Readiness turns 503 first; only after the drain period does the app get the signal.
int drain(Daemon& daemon, AppSupervisor* app, const HandledSignals& signals, int first_signal) {
  daemon.begin_drain();
  const auto config = daemon.config();
  spdlog::info("shutdown: draining for {} (readiness 503, liveness 200), then {}",
               config::format_duration(config->agent.drain),
               app != nullptr ? "stopping `" + app->command_line() + "`" : std::string("exiting"));
  signals.wait(config->agent.drain, [&](int sig) {
    switch (action_while_draining(sig)) {
      case SignalAction::shut_down:
        spdlog::warn("shutdown: second interrupt, skipping the rest of the drain");
        return true;
      case SignalAction::reap_children:
        reap(app);
        return false;
      case SignalAction::none:
      case SignalAction::reload:
        return false;
    }
    return false;
  });
  int exit_code = EXIT_SUCCESS;
  if (app != nullptr) exit_code = app->stop(signals, first_signal, config->supervise.stop_timeout);
  return daemon.stop(exit_code);
}

}  // namespace

SignalAction action_while_serving(int sig) {
  switch (sig) {
    case SIGHUP:
      return SignalAction::reload;
    case SIGTERM:
    case SIGINT:
      return SignalAction::shut_down;
    case SIGCHLD:
      return SignalAction::reap_children;
    default:
      return SignalAction::none;
  }
}

SignalAction action_while_draining(int sig) {
  if (sig == SIGINT) return SignalAction::shut_down;  // the second one: skip the rest
  const auto serving = action_while_serving(sig);
  return serving == SignalAction::reap_children ? serving : SignalAction::none;
}

int run_signal_loop(Daemon& daemon, AppSupervisor* app, const HandledSignals& signals) {
  for (;;) {
    // No fixed tick: sleep until a signal or the next thing due (readiness turning stale, a
    // watchdog ping, the app's restart).
    const auto now = SteadyClock::now();
    auto due = daemon.next_observation(now);
    if (app != nullptr) {
      if (const auto restart = app->restart_due()) due = std::min(due, *restart);
    }
    const int sig = signals.next(
        std::chrono::ceil<std::chrono::milliseconds>(std::max(due - now, SteadyClock::duration{})));
    switch (action_while_serving(sig)) {
      case SignalAction::reload:
        daemon.reload();
        if (app != nullptr) app->forward(SIGHUP);  // e.g. gunicorn reloads its workers
        break;
      case SignalAction::shut_down:
        return drain(daemon, app, signals, sig);
      case SignalAction::reap_children:
        if (app == nullptr) {
          AppProcess::reap_orphans();
        } else if (auto code = app->on_child_exit(daemon.config()->supervise)) {
          return daemon.stop(*code);
        }
        break;
      case SignalAction::none:
        break;
    }
    if (app != nullptr) app->restart_if_due(SteadyClock::now(), daemon.config()->supervise);
    daemon.observe();  // catches a stalled probe loop, which cannot report itself
  }
}

}  // namespace opsagent::daemon
