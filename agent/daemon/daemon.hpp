// What `opsagent run` runs: the probe loop, the upstream prober, the container sampler, the
// alerter and the HTTP server,
// wired to the state they share (the config in force, the latest snapshot, the token, the
// draining flag, why a supervised app is not running). It starts them, re-evaluates readiness for
// the log and for systemd, reloads the config, and stops them. Signals and the supervised app are
// the caller's (signal_loop.hpp, app_supervisor.hpp). Thread-safety: start/reload/begin_drain/stop
// from the main thread; observe() from any thread (the probe thread calls it after every cycle).
#pragma once

#include <atomic>
#include <expected>
#include <memory>
#include <string>

#include "agent/alerts/alerter.hpp"
#include "agent/daemon/systemd_notify.hpp"
#include "agent/web/bearer_token.hpp"
#include "agent/web/http_server.hpp"
#include "agent/web/metrics.hpp"
#include "agent/web/readiness.hpp"
#include "common/latest.hpp"
#include "config/config.hpp"
#include "probes/config_holder.hpp"
#include "probes/container/container_sampler.hpp"
#include "probes/model/snapshot_store.hpp"
#include "probes/probe_loop.hpp"
#include "probes/upstreams/upstream_prober.hpp"

namespace opsagent::daemon {

class Daemon {
 public:
  Daemon(std::string config_path, const std::shared_ptr<const config::Config>& initial,
         web::BearerToken token);
  ~Daemon() = default;  // the server, then the loop and the alerter: each stops and joins
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  Daemon(Daemon&&) = delete;
  Daemon& operator=(Daemon&&) = delete;

  // Binds the listener, then starts serving and probing; the error says which address and why.
  std::expected<void, std::string> start();

  // Re-evaluates readiness: logs a transition and gives it to systemd as the status line; pings
  // systemd's watchdog while the probe loop is alive. After every probe cycle, and from the main
  // thread by next_observation(), which catches a stalled probe loop: it cannot report itself.
  void observe();
  // When observe() must run again even if no probe cycle completes: the moment the latest
  // snapshot turns stale, half the watchdog timeout from now (under WatchdogSec=), and at most
  // kLongestQuietWait from now. Nothing else about readiness changes with time alone.
  SteadyClock::time_point next_observation(SteadyClock::time_point now) const;
  static constexpr std::chrono::seconds kLongestQuietWait{60};

  // SIGHUP: loads the config file again; an invalid file leaves the config in force.
  void reload();

  // The first step of shutdown: readiness turns 503 (liveness stays 200), systemd hears it.
  void begin_drain();

  // Stops serving, probing and alerting, and returns `exit_code`. When a probe cycle is still in
  // flight after a second, exits the process with `exit_code` instead: the cycle ends by its
  // deadline anyway, and nobody will read its result.
  int stop(int exit_code);

  std::shared_ptr<const config::Config> config() const { return config_.get(); }
  const std::string& config_path() const { return config_path_; }
  // Why the supervised app is not running (nullptr: it runs, or there is none). Readiness reads
  // it; the app's supervisor writes it.
  common::Latest<std::string>& app_problem() { return app_problem_; }
  const SystemdNotifier& systemd() const { return systemd_; }
  // Supervise mode: the app's process, whose tree the container sampler reads.
  probes::ContainerSampler& container() { return container_; }

 private:
  std::string config_path_;
  probes::ConfigHolder config_;
  probes::SnapshotStore store_;
  common::Latest<web::BearerToken> token_;
  common::Latest<std::string> app_problem_;
  std::atomic<bool> draining_{false};
  SystemdNotifier systemd_;
  web::ReadinessLog readiness_log_;
  web::PrometheusMetrics metrics_;
  alerts::Alerter alerter_;
  probes::UpstreamProber upstreams_;    // before the loop and the server, which read its board
  probes::ContainerSampler container_;  // before the loop, which reads its status
  probes::ProbeLoop loop_;
  web::HttpServer server_;
};

}  // namespace opsagent::daemon
