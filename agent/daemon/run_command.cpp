// `opsagent run`: the long-running agent. The main thread owns the signals (blocked everywhere
// else, taken with sigtimedwait), so shutdown and reload never run inside a signal handler.
#include <signal.h>
#include <systemd/sd-daemon.h>

#include <atomic>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "agent/alerts/alerter.hpp"
#include "agent/daemon/commands.hpp"
#include "agent/daemon/identity.hpp"
#include "agent/daemon/logging.hpp"
#include "agent/daemon/supervisor.hpp"
#include "agent/web/http_server.hpp"
#include "agent/web/readiness.hpp"
#include "common/saturating_time.hpp"
#include "common/version.hpp"
#include "config/syntax/duration.hpp"
#include "config/load.hpp"
#include "config/warnings.hpp"
#include "probes/postgres/pg_connection.hpp"

namespace opsagent::daemon {

namespace {

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGCHLD);  // supervise mode; harmless otherwise
  return set;
}

// Waits up to `timeout` for one of the handled signals; 0 when none came.
int next_signal(const sigset_t& set, std::chrono::milliseconds timeout) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  const int sig = sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

void notify_systemd(const std::string& state) {
  sd_notify(0, state.c_str());
}

class Agent {
 public:
  Agent(std::string path, const std::shared_ptr<const config::Config>& initial,
        web::BearerToken token, std::vector<std::string> app_command)
      : path_(std::move(path)),
        config_(initial),
        token_(std::make_shared<const web::BearerToken>(std::move(token))),
        alerter_(*initial, config::process_environment(), agent_identity(*initial)),
        loop_(config_, store_, config::process_environment(),
              [this](const probes::Snapshot& s) {
                metrics_.observe_cycle(s);
                alerter_.observe(s, *config_.get());
                observe();
              }),
        server_(web::ServingState{store_, config_, token_, loop_, draining_, metrics_, app_problem_,
                                  alerter_},
                initial->agent.http_threads) {
    if (!app_command.empty()) app_.emplace(std::move(app_command));
  }

  int run() {
    auto config = config_.get();
    if (auto bound = server_.bind(config->agent.listen_host, config->agent.listen_port); !bound) {
      spdlog::critical("{}", bound.error());
      return EXIT_FAILURE;
    }
    server_.start();
    loop_.start();
    spdlog::info("opsagent {} listening on {}:{}; probing {} every {} (config {})", kVersion,
                 config->agent.listen_host, config->agent.listen_port, target_display(*config),
                 config::format_duration(config->agent.interval), path_);
    for (const auto& w : config::config_warnings(*config)) spdlog::warn("config: {}", w);
    if (app_ && !start_app()) {
      stop_serving();
      return 127;  // as a shell reports a command it cannot run
    }
    observe();
    notify_systemd("READY=1");

    const sigset_t signals = handled_signals();
    for (;;) {
      const int sig = next_signal(signals, std::chrono::seconds(1));
      if (sig == SIGHUP) {
        reload();
        if (app_) app_->signal(SIGHUP);  // e.g. gunicorn reloads its workers
      }
      if (sig == SIGTERM || sig == SIGINT) return drain(signals, sig);
      if (sig == SIGCHLD) {
        if (auto code = on_child_exit()) {
          stop_serving();
          return *code;
        }
      }
      if (restart_at_ && SteadyClock::now() >= *restart_at_) {
        restart_at_.reset();
        if (!start_app()) schedule_restart();
      }
      observe();  // catches a stalled probe loop, which cannot report itself
    }
  }

 private:
  // After every probe cycle (probe thread) and at least once a second (main thread).
  void observe() {
    auto config = config_.get();
    auto snapshot = store_.get();
    const auto now = SteadyClock::now();
    // systemd's watchdog restarts a stuck agent: ping only while the probe loop is alive by
    // the same rule as /health/live.
    if (watchdog_ && web::evaluate_liveness(loop_.heartbeat(), now, config->agent.stale_after)) {
      notify_systemd("WATCHDOG=1");
    }
    const auto app_problem = app_problem_.get();
    const auto r = web::evaluate_readiness(snapshot.get(), now, config->agent.stale_after,
                                           draining_.load(), app_problem ? *app_problem : "");
    if (readiness_log_.observe(r)) {
      notify_systemd("STATUS=" + std::string(r.ready ? "ready" : "not ready: ") +
                     (r.ready ? "" : r.reason));
    }
  }

  void reload() {
    notify_systemd("RELOADING=1");
    auto loaded = config::load_config_file(path_, config::process_environment());
    std::expected<web::BearerToken, std::string> token = web::BearerToken{};
    if (loaded) token = web::BearerToken::from_config(*loaded, config::process_environment());
    if (!loaded) {
      spdlog::error("reload: {} is invalid; the config in force stays ({} problem{}):", path_,
                    loaded.error().size(), loaded.error().size() == 1 ? "" : "s");
      for (const auto& e : loaded.error()) spdlog::error("reload: {}", e.to_string());
    } else if (!token) {
      spdlog::error("reload: {}; the config in force stays", token.error());
    } else {
      token_.set(std::make_shared<const web::BearerToken>(std::move(*token)));
      auto old = config_.get();
      auto next = std::make_shared<const config::Config>(std::move(*loaded));
      if (next->agent.listen_host != old->agent.listen_host ||
          next->agent.listen_port != old->agent.listen_port ||
          next->agent.http_threads != old->agent.http_threads) {
        spdlog::warn("reload: agent.listen and agent.http_threads apply at the next restart");
      }
      configure_logging(next->log);
      config_.set(next);
      spdlog::info("reload: config reloaded from {}", path_);
      loop_.wake();
    }
    notify_systemd("READY=1");
  }

  // Readiness turns 503 first; only after the drain period does the app get the signal.
  int drain(const sigset_t& signals, int first_signal) {
    draining_.store(true);
    notify_systemd("STOPPING=1");
    observe();
    const auto config = config_.get();
    spdlog::info("shutdown: draining for {} (readiness 503, liveness 200), then {}",
                 config::format_duration(config->agent.drain),
                 app_ ? "stopping `" + app_->command() + "`" : std::string("exiting"));
    bool skip = false;
    wait_for(signals, config->agent.drain, [&](int sig) {
      if (sig == SIGINT) {
        spdlog::warn("shutdown: second interrupt, skipping the rest of the drain");
        skip = true;
      }
      if (sig == SIGCHLD) on_app_exit_while_stopping();
      return skip;
    });
    int exit_code = EXIT_SUCCESS;
    if (app_) exit_code = stop_app(signals, first_signal, config->supervise.stop_timeout);
    return stop_serving(exit_code);
  }

  // Waits up to `timeout` for handled signals, passing each to `on_signal` until it returns true.
  template <class OnSignal>
  static void wait_for(const sigset_t& signals, config::Duration timeout, OnSignal on_signal) {
    const auto until = common::saturating_add(SteadyClock::now(), timeout);
    for (auto now = SteadyClock::now(); now < until; now = SteadyClock::now()) {
      const int sig =
          next_signal(signals, std::chrono::duration_cast<std::chrono::milliseconds>(until - now));
      if (sig != 0 && on_signal(sig)) return;
    }
  }

  bool start_app() {
    if (auto started = app_->start(); !started) {
      spdlog::critical("supervise: {}", started.error());
      app_problem_.set(std::make_shared<const std::string>(started.error()));
      return false;
    }
    spdlog::info("supervise: started `{}` (pid {})", app_->command(), app_->pid());
    app_problem_.set(nullptr);
    app_started_ = SteadyClock::now();
    return true;
  }

  void schedule_restart() {
    const auto max = config_.get()->supervise.restart_backoff_max;
    // A run longer than the longest backoff counts as healthy: start over from 1s.
    if (SteadyClock::now() - app_started_ > max) backoff_ = config::Duration(1000);
    restart_at_ = common::saturating_add(SteadyClock::now(), backoff_);
    spdlog::warn("supervise: restarting `{}` in {}", app_->command(),
                 config::format_duration(backoff_));
    backoff_ = std::min(backoff_ * 2, max);
  }

  // Reaps children; when the app itself exited: the exit code the agent should exit with, or
  // nullopt when it keeps running (restart, or an orphan was reaped).
  std::optional<int> on_child_exit() {
    if (!app_) {
      Supervisor::reap_orphans();
      return std::nullopt;
    }
    const auto status = app_->reap();
    if (!status) return std::nullopt;
    const std::string what = "`" + app_->command() + "` " + Supervisor::describe(*status);
    app_problem_.set(std::make_shared<const std::string>(what));
    observe();  // not ready, logged, before anything else happens
    if (config_.get()->supervise.on_exit == config::SuperviseSection::OnExit::restart) {
      spdlog::error("supervise: {}", what);
      schedule_restart();
      return std::nullopt;
    }
    spdlog::error("supervise: {}; the agent exits with its status (supervise.on_exit = \"exit\")",
                  what);
    return Supervisor::exit_code(*status);
  }

  void on_app_exit_while_stopping() {
    if (!app_) return Supervisor::reap_orphans();
    if (auto status = app_->reap()) {
      app_status_ = *status;
      spdlog::info("supervise: `{}` {}", app_->command(), Supervisor::describe(*status));
    }
  }

  // Passes the shutdown signal on, waits for the app, SIGKILLs it past the timeout.
  int stop_app(const sigset_t& signals, int sig, config::Duration timeout) {
    restart_at_.reset();
    if (app_->running()) {
      spdlog::info("supervise: passing signal {} to `{}` (pid {})", sig, app_->command(),
                   app_->pid());
      app_->signal(sig);
      wait_for(signals, timeout, [&](int s) {
        if (s == SIGCHLD) on_app_exit_while_stopping();
        return !app_->running();
      });
    }
    if (app_->running()) {
      spdlog::error("supervise: `{}` still running after {}; sending SIGKILL", app_->command(),
                    config::format_duration(timeout));
      app_->signal(SIGKILL);
      wait_for(signals, config::Duration(5000), [&](int s) {
        if (s == SIGCHLD) on_app_exit_while_stopping();
        return !app_->running();
      });
    }
    return app_status_ ? Supervisor::exit_code(*app_status_) : EXIT_SUCCESS;
  }

  int stop_serving(int exit_code = EXIT_SUCCESS) {
    server_.stop();
    const bool loop_stopped = loop_.stop_within(std::chrono::seconds(1));
    alerter_.stop(std::chrono::seconds(1));  // what is still undelivered stays in the state file
    if (!loop_stopped) {
      // The cycle in flight ends by its deadline anyway; nobody will read its result.
      spdlog::info("shutdown: done (a probe cycle was still in flight)");
      spdlog::default_logger()->flush();
      std::_Exit(exit_code);
    }
    spdlog::info("shutdown: done");
    return exit_code;
  }

  std::string path_;
  probes::ConfigHolder config_;
  probes::SnapshotStore store_;
  common::Latest<web::BearerToken> token_;
  common::Latest<std::string> app_problem_;  // why the supervised app is not running
  std::optional<Supervisor> app_;
  std::optional<int> app_status_;  // its wait status once it exited during shutdown
  std::optional<SteadyClock::time_point> restart_at_;
  SteadyClock::time_point app_started_;
  config::Duration backoff_{1000};
  const bool watchdog_ = sd_watchdog_enabled(0, nullptr) > 0;
  std::atomic<bool> draining_{false};
  web::ReadinessLog readiness_log_;
  web::AgentMetrics metrics_;
  alerts::Alerter alerter_;
  probes::ProbeLoop loop_;
  web::HttpServer server_;
};

}  // namespace

int run_command(const std::string& config_path, std::vector<std::string> app_command) {
  // Block before any thread starts so every thread inherits the mask.
  const sigset_t signals = handled_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto loaded = config::load_config_file(config_path, config::process_environment());
  if (!loaded) {
    configure_logging({});
    for (const auto& e : loaded.error()) spdlog::critical("config: {}", e.to_string());
    return kUnknown;
  }
  configure_logging(loaded->log);
  auto token = web::BearerToken::from_config(*loaded, config::process_environment());
  if (!token) {
    spdlog::critical("config: {}", token.error());
    return kUnknown;
  }
  Agent agent(config_path, std::make_shared<const config::Config>(std::move(*loaded)),
              std::move(*token), std::move(app_command));
  return agent.run();
}

}  // namespace opsagent::daemon
