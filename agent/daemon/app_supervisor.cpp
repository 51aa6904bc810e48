#include "agent/daemon/app_supervisor.hpp"

#include <signal.h>

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "config/syntax/duration.hpp"

namespace opsagent::daemon {

AppSupervisor::AppSupervisor(std::vector<std::string> argv, common::Latest<std::string>& problem,
                             std::function<void()> report, std::function<void(int)> started)
    : app_(std::move(argv)),
      problem_(problem),
      report_(std::move(report)),
      started_callback_(std::move(started)) {}

bool AppSupervisor::start() {
  if (auto started = app_.start(); !started) {
    spdlog::critical("supervise: {}", started.error());
    problem_.set(std::make_shared<const std::string>(started.error()));
    return false;
  }
  spdlog::info("supervise: started `{}` (pid {})", app_.command_line(), app_.pid());
  problem_.set(nullptr);
  started_ = SteadyClock::now();
  if (started_callback_) started_callback_(app_.pid());
  return true;
}

void AppSupervisor::schedule_restart(const config::SuperviseSection& supervise) {
  const auto now = SteadyClock::now();
  const auto decision = decide_restart(backoff_, now - started_, supervise.restart_backoff_max);
  backoff_ = decision.backoff;
  restart_at_ = common::saturating_add(now, decision.delay);
  spdlog::warn("supervise: restarting `{}` in {}", app_.command_line(),
               config::format_duration(decision.delay));
}

void AppSupervisor::restart_if_due(SteadyClock::time_point now,
                                   const config::SuperviseSection& supervise) {
  if (!restart_at_ || now < *restart_at_) return;
  restart_at_.reset();
  if (!start()) schedule_restart(supervise);
}

std::optional<int> AppSupervisor::on_child_exit(const config::SuperviseSection& supervise) {
  const auto status = app_.reap();
  if (!status) return std::nullopt;
  const std::string what = "`" + app_.command_line() + "` " + AppProcess::describe(*status);
  problem_.set(std::make_shared<const std::string>(what));
  report_();
  if (supervise.on_exit == config::SuperviseSection::OnExit::restart) {
    spdlog::error("supervise: {}", what);
    schedule_restart(supervise);
    return std::nullopt;
  }
  spdlog::error("supervise: {}; the agent exits with its status (supervise.on_exit = \"exit\")",
                what);
  return AppProcess::exit_code(*status);
}

void AppSupervisor::on_child_exit_while_stopping() {
  if (auto status = app_.reap()) {
    status_ = *status;
    spdlog::info("supervise: `{}` {}", app_.command_line(), AppProcess::describe(*status));
  }
}

int AppSupervisor::stop(const HandledSignals& signals, int sig, config::Duration timeout) {
  restart_at_.reset();
  const auto until_exited = [&](int s) {
    if (s == SIGCHLD) on_child_exit_while_stopping();
    return !app_.running();
  };
  if (app_.running()) {
    spdlog::info("supervise: passing signal {} to `{}` (pid {})", sig, app_.command_line(),
                 app_.pid());
    app_.signal(sig);
    signals.wait(timeout, until_exited);
  }
  if (app_.running()) {
    spdlog::error("supervise: `{}` still running after {}; sending SIGKILL", app_.command_line(),
                  config::format_duration(timeout));
    app_.signal(SIGKILL);
    signals.wait(config::Duration(5000), until_exited);
  }
  return status_ ? AppProcess::exit_code(*status_) : EXIT_SUCCESS;
}

}  // namespace opsagent::daemon
