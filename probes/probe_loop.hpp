// The single background loop that runs probe cycles on the configured interval and publishes
// each result as a Snapshot. Exactly one cycle is in flight at a time, and each ends by its
// deadline (Config::cycle_deadline()); the app's HTTP checks run beside the database probe,
// each under its own timeout (probes/http/http_check_runner.hpp). The pure steps of a cycle are
// cycle_snapshot.hpp and cycle_memory.hpp. Thread-safety: start/stop from one thread;
// heartbeat() and wake() from any.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "config/load.hpp"
#include "probes/config_holder.hpp"
#include "probes/http/http_check_runner.hpp"
#include "probes/model/connection_hygiene.hpp"
#include "probes/model/container_model.hpp"
#include "probes/model/snapshot_store.hpp"
#include "probes/model/termination.hpp"
#include "probes/model/upstream_model.hpp"
#include "probes/postgres/pgbouncer_probe.hpp"
#include "probes/postgres/postgres_probe.hpp"

namespace opsagent::probes {

// The probes with state across cycles (their persistent connections).
struct CycleProbes {
  PostgresProbe postgres;
  PgBouncerProbe pgbouncer;
  HttpCheckRunners http;
  LeakConfirmation leaks;
  TerminationRecord terminations;  // pool.terminate_idle_in_transaction, since the start
};

// The supervised app's process (0: none), asked each cycle.
using AppPid = std::function<int()>;

class ProbeLoop {
 public:
  using OnPublish = std::function<void(const Snapshot&)>;

  // `upstreams`: where the upstream prober publishes (each snapshot carries a copy of its latest
  // board); nullptr: no upstreams. `container`: where the container sampler publishes, likewise.
  // Both must outlive the loop. `app_pid`: in supervise mode, the app's process, whose tree
  // tells which workers still run (leaked sessions).
  ProbeLoop(ConfigHolder& config, SnapshotStore& store, config::Environment env,
            OnPublish on_publish, const UpstreamBoardStore* upstreams = nullptr,
            const ContainerStatusStore* container = nullptr, AppPid app_pid = {});
  ~ProbeLoop();  // stops and joins
  ProbeLoop(const ProbeLoop&) = delete;
  ProbeLoop& operator=(const ProbeLoop&) = delete;

  void start();
  void stop();  // returns once the cycle in flight (bounded by its deadline) has ended
  // Asks the loop to stop and waits at most `timeout` for the cycle in flight; false when it is
  // still running (a frozen server can hold it for the whole cycle deadline). Shutdown uses
  // this to exit before the platform's SIGKILL rather than wait out a probe nobody will read.
  bool stop_within(std::chrono::milliseconds timeout);
  void wake();  // run the next cycle now (after a reload)

  // When the loop last showed it was alive: before and after every cycle and every wait.
  SteadyClock::time_point heartbeat() const;

 private:
  void run();
  void beat();

  ConfigHolder& config_;
  SnapshotStore& store_;
  config::Environment env_;
  OnPublish on_publish_;
  const UpstreamBoardStore* upstreams_;
  const ContainerStatusStore* container_;
  AppPid app_pid_;
  CycleProbes probes_;
  std::atomic<SteadyClock::rep> heartbeat_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  bool finished_ = false;
  std::thread thread_;
};

// One cycle, outside any loop: for `opsagent check` and `opsagent wait`. `env` supplies the
// DSNs (database.dsn_env, pgbouncer.dsn_env). Every HTTP check's answer is awaited (each under
// its own timeout). pool.terminate_idle_in_transaction = "on" runs as "dry_run" here: a one-off
// command reports, it never terminates.
Snapshot run_one_cycle(CycleProbes& probes, const config::Config& config,
                       const config::Environment& env, std::uint64_t sequence);

// The wait before the next cycle: the interval less a random jitter of up to a tenth of it, so
// agents started together spread out. Jitter only shortens the wait: consecutive snapshots are
// never further apart than interval + cycle deadline, the bound stale_after is validated against.
config::Duration wait_before_next_cycle(config::Duration interval, std::minstd_rand& random);

}  // namespace opsagent::probes
