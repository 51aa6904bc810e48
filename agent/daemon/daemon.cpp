#include "agent/daemon/daemon.hpp"

#include <algorithm>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "agent/daemon/identity.hpp"
#include "agent/daemon/logging.hpp"
#include "common/saturating_time.hpp"
#include "common/version.hpp"
#include "config/load.hpp"
#include "config/reload.hpp"
#include "config/syntax/duration.hpp"
#include "config/warnings.hpp"

namespace opsagent::daemon {

Daemon::Daemon(std::string config_path, const std::shared_ptr<const config::Config>& initial,
               web::BearerToken token)
    : config_path_(std::move(config_path)),
      config_(initial),
      token_(std::make_shared<const web::BearerToken>(std::move(token))),
      alerter_(*initial, config::process_environment(), identity_for(*initial)),
      loop_(
          config_, store_, config::process_environment(),
          [this](const probes::Snapshot& s) {
            metrics_.observe_cycle(s);
            alerter_.observe(s, *config_.get());
            observe();
          },
          &upstreams_.board(), &container_.status(), [this] { return container_.app_pid(); }),
      server_(web::ServingState{store_, config_, token_, loop_, draining_, metrics_, app_problem_,
                                alerter_, upstreams_.board()},
              initial->agent.http_threads) {}

std::expected<void, std::string> Daemon::start() {
  const auto config = config_.get();
  if (auto bound = server_.bind(config->agent.listen_host, config->agent.listen_port); !bound) {
    return bound;
  }
  server_.start();
  upstreams_.sync(config->upstreams);
  container_.sync(config->container);
  loop_.start();
  spdlog::info("opsagent {} listening on {}:{}; probing {} every {} (config {})", kVersion,
               config->agent.listen_host, config->agent.listen_port, target_display(*config),
               config::format_duration(config->agent.interval), config_path_);
  for (const auto& w : config::config_warnings(*config)) spdlog::warn("config: {}", w);
  return {};
}

void Daemon::observe() {
  const auto config = config_.get();
  const auto snapshot = store_.get();
  const auto now = SteadyClock::now();
  // Ping the watchdog only while the probe loop is alive by the same rule as /health/live.
  if (systemd_.watchdog_enabled() &&
      web::evaluate_liveness(loop_.heartbeat(), now, config->agent.stale_after)) {
    systemd_.watchdog();
  }
  const auto app_problem = app_problem_.get();
  const auto r = web::evaluate_readiness(snapshot.get(), now, config->agent.stale_after,
                                         draining_.load(), app_problem ? *app_problem : "");
  if (readiness_log_.observe(r)) systemd_.status(r);
}

SteadyClock::time_point Daemon::next_observation(SteadyClock::time_point now) const {
  auto due = now + kLongestQuietWait;
  if (systemd_.watchdog_enabled()) {
    // systemd's advice: ping at half the timeout. Never more often than every 100 ms.
    const auto half = std::max<SteadyClock::duration>(systemd_.watchdog_timeout() / 2,
                                                      std::chrono::milliseconds(100));
    due = std::min(due, now + half);
  }
  if (const auto snapshot = store_.get()) {
    // evaluate_readiness: stale once the age, in whole Durations, exceeds stale_after.
    const auto stale_at = common::saturating_add(
        snapshot->completed, config_.get()->agent.stale_after + config::Duration(1));
    if (stale_at > now) due = std::min(due, stale_at);
  }
  return due;
}

void Daemon::reload() {
  systemd_.reloading();
  auto loaded = config::load_config_file(config_path_, config::process_environment());
  std::expected<web::BearerToken, std::string> token = web::BearerToken{};
  if (loaded) token = web::BearerToken::from_config(*loaded, config::process_environment());
  if (!loaded) {
    spdlog::error("reload: {} is invalid; the config in force stays ({} problem{}):", config_path_,
                  loaded.error().size(), loaded.error().size() == 1 ? "" : "s");
    for (const auto& e : loaded.error()) spdlog::error("reload: {}", e.to_string());
  } else if (!token) {
    spdlog::error("reload: {}; the config in force stays", token.error());
  } else {
    token_.set(std::make_shared<const web::BearerToken>(std::move(*token)));
    const auto old = config_.get();
    auto next = std::make_shared<const config::Config>(std::move(*loaded));
    if (auto warning = config::restart_warning(*old, *next)) spdlog::warn("reload: {}", *warning);
    configure_logging(next->log);
    config_.set(next);
    upstreams_.sync(next->upstreams);
    container_.sync(next->container);
    spdlog::info("reload: config reloaded from {}", config_path_);
    loop_.wake();
  }
  systemd_.ready();
}

void Daemon::begin_drain() {
  draining_.store(true);
  systemd_.stopping();
  observe();
}

int Daemon::stop(int exit_code) {
  server_.stop();
  upstreams_.sync({});  // no more probes of the APIs; one in flight ends by its own deadline
  container_.stop();
  const bool loop_stopped = loop_.stop_within(std::chrono::seconds(1));
  alerter_.stop(std::chrono::seconds(1));  // what is still undelivered stays in the state file
  if (!loop_stopped) {
    spdlog::info("shutdown: done (a probe cycle was still in flight)");
    spdlog::default_logger()->flush();
    std::_Exit(exit_code);
  }
  spdlog::info("shutdown: done");
  return exit_code;
}

}  // namespace opsagent::daemon
