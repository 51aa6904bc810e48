#include "probes/probe_loop.hpp"

#include <deque>
#include <random>

#include <spdlog/spdlog.h>

#include "common/saturating_time.hpp"
#include "probes/http_check.hpp"

namespace opsagent::probes {

Snapshot run_one_cycle(CycleProbes& probes, const config::Config& config,
                       const config::Environment& env, std::uint64_t sequence) {
  const auto start = SteadyClock::now();
  Snapshot s;
  s.sequence = sequence;
  s.taken_at = std::chrono::system_clock::now();
  // PgBouncer's console is read once per cycle, when the database probe first asks (its own
  // statements timed out, or the budget needs the pool sizes) or else after it. It gets a
  // deadline of its own: it answers in milliseconds, and the database probe's may be spent.
  std::optional<PgBouncerCycle> pooler;
  auto look_at_pooler = [&]() -> const PgBouncerSnapshot* {
    if (!pooler) {
      const auto now = SteadyClock::now();
      pooler =
          probes.pgbouncer.run(config, env(config.pgbouncer.dsn_env),
                               now + std::min<config::Duration>(config.database.connect_timeout,
                                                                std::chrono::seconds(1)));
    }
    return pooler->snapshot ? &*pooler->snapshot : nullptr;
  };
  const auto deadline = common::saturating_add(start, config.cycle_deadline());
  auto cycle =
      probes.postgres.run(config, env(config.database.dsn_env), deadline,
                          config.pgbouncer.enabled() ? PostgresProbe::PoolerLook(look_at_pooler)
                                                     : PostgresProbe::PoolerLook());
  if (config.pgbouncer.enabled()) look_at_pooler();
  s.checks = std::move(cycle.checks);
  if (pooler) {
    s.checks.push_back(std::move(pooler->check));
    s.pgbouncer = std::move(pooler->snapshot);
  }
  s.server_version = std::move(cycle.server_version);
  s.activity = std::move(cycle.activity);
  s.pool = std::move(cycle.pool);
  s.alert_leader = cycle.alert_leader;
  s.leadership_note = std::move(cycle.leadership_note);
  s.via_pooler = cycle.via_pooler;
  for (const auto& http : config.readiness.http) {
    s.checks.push_back(run_http_check(http, deadline));
  }
  s.completed = SteadyClock::now();
  s.duration = std::chrono::duration_cast<std::chrono::microseconds>(s.completed - start);
  return s;
}

ProbeLoop::ProbeLoop(ConfigHolder& config, SnapshotStore& store, config::Environment env,
                     OnPublish on_publish)
    : config_(config),
      store_(store),
      env_(std::move(env)),
      on_publish_(std::move(on_publish)),
      heartbeat_(SteadyClock::now().time_since_epoch().count()) {}

ProbeLoop::~ProbeLoop() {
  stop();
}

void ProbeLoop::start() {
  beat();
  thread_ = std::thread([this] { run(); });
}

void ProbeLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ProbeLoop::stop_within(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  cv_.notify_all();
  if (!cv_.wait_for(lock, timeout, [this] { return finished_ || !thread_.joinable(); })) {
    return false;
  }
  lock.unlock();
  if (thread_.joinable()) thread_.join();
  return true;
}

void ProbeLoop::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

SteadyClock::time_point ProbeLoop::heartbeat() const {
  return SteadyClock::time_point(SteadyClock::duration(heartbeat_.load()));
}

void ProbeLoop::beat() {
  heartbeat_.store(SteadyClock::now().time_since_epoch().count());
}

void ProbeLoop::run() {
  std::minstd_rand rng(std::random_device{}());
  std::uint64_t sequence = 0;
  UtilizationHistory history(config_.get()->agent.interval);
  std::deque<RecentError> recent_errors;
  for (;;) {
    beat();
    auto config = config_.get();
    auto snapshot = std::make_shared<Snapshot>(run_one_cycle(probes_, *config, env_, ++sequence));
    if (const auto& a = snapshot->activity) {
      history.add({snapshot->taken_at, a->used(), a->usable_slots, a->utilization()});
    }
    snapshot->utilization = history.summarize(snapshot->taken_at);
    for (const auto& c : snapshot->checks) {
      if (c.status != CheckStatus::fail) continue;
      // A failure that repeats every cycle is one entry, with the time it was last seen.
      std::erase_if(recent_errors, [&](const RecentError& e) {
        return e.check == c.name && e.error == c.error && e.message == c.message;
      });
      recent_errors.push_front({snapshot->taken_at, c.name, c.error, c.message});
      if (recent_errors.size() > Snapshot::kRecentErrors) recent_errors.pop_back();
    }
    snapshot->recent_errors.assign(recent_errors.begin(), recent_errors.end());
    store_.set(snapshot);
    beat();
    try {
      on_publish_(*snapshot);
    } catch (const std::exception& e) {
      spdlog::error("after probe cycle {}: {}", sequence, e.what());
    }
    // Jitter only shortens the wait, so consecutive snapshots are never further apart than
    // interval + cycle deadline, the bound stale_after is validated against.
    spdlog::debug("probe cycle {} took {}us: {}", sequence, snapshot->duration.count(),
                  snapshot->first_failure() ? snapshot->first_failure()->message : "all pass");
    const auto interval = config->agent.interval;
    std::uniform_int_distribution<long> jitter(0, interval.count() / 10);
    const auto wait = interval - config::Duration(jitter(rng));
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
    woken_ = false;
    if (stopping_) {
      finished_ = true;
      cv_.notify_all();
      return;
    }
  }
}

}  // namespace opsagent::probes
