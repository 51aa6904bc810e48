// `opsagent run`: load the config, start the daemon (and the app in supervise mode), then hand
// the main thread to the signal loop.
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "agent/daemon/app_supervisor.hpp"
#include "agent/daemon/daemon.hpp"
#include "agent/daemon/logging.hpp"
#include "agent/daemon/signal_loop.hpp"
#include "agent/daemon/signal_wait.hpp"
#include "agent/daemon/subcommands.hpp"
#include "config/load.hpp"

namespace opsagent::daemon {

namespace {

constexpr int kAppCannotStart = 127;  // as a shell reports a command it cannot run

}  // namespace

int run_subcommand(const std::string& config_path, std::vector<std::string> app_argv) {
  // Before any thread starts, so every thread inherits the mask.
  const HandledSignals signals;
  signals.block();

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
  Daemon daemon(config_path, std::make_shared<const config::Config>(std::move(*loaded)),
                std::move(*token));
  if (auto started = daemon.start(); !started) {
    spdlog::critical("{}", started.error());
    return EXIT_FAILURE;
  }
  std::optional<AppSupervisor> app;
  if (!app_argv.empty()) {
    app.emplace(
        std::move(app_argv), daemon.app_problem(), [&daemon] { daemon.observe(); },
        [&daemon](int pid) { daemon.container().set_app_pid(pid); });
    if (!app->start()) return daemon.stop(kAppCannotStart);
  }
  daemon.observe();
  daemon.systemd().ready();
  return run_signal_loop(daemon, app ? &*app : nullptr, signals);
}

}  // namespace opsagent::daemon
