// `opsagent run`'s main thread once everything runs: it waits for signals and acts on them —
// SIGHUP reloads, SIGTERM/SIGINT drain and stop, SIGCHLD reaps (and in supervise mode ends or
// restarts with the app) — and re-evaluates readiness when it can change without a probe cycle
// (Daemon::next_observation), sleeping in between. What a signal means
// is a pure decision (action_while_serving/draining), unit-tested apart from the waiting.
// Thread-safety: main thread only.
#pragma once

#include "agent/daemon/app_supervisor.hpp"
#include "agent/daemon/daemon.hpp"
#include "agent/daemon/signal_wait.hpp"

namespace opsagent::daemon {

enum class SignalAction {
  none,           // a timeout, or a signal that means nothing now
  reload,         // reload the config (and pass SIGHUP to the app)
  shut_down,      // serving: drain, then stop; draining: skip the rest of the drain
  reap_children,  // a child exited: the app, an exec receiver's command or an orphan
};

SignalAction action_while_serving(int sig);
// During the drain only a second SIGINT (Ctrl-C twice) acts: it skips the rest of the drain. A
// second SIGTERM (a platform repeating itself) or a SIGHUP changes nothing.
SignalAction action_while_draining(int sig);

// Serves until SIGTERM/SIGINT (drain, stop the app, stop) or, with on_exit = "exit", until the
// app exits. Returns the agent's exit code. `app`: nullptr without supervise mode.
int run_signal_loop(Daemon& daemon, AppSupervisor* app, const HandledSignals& signals);

}  // namespace opsagent::daemon
