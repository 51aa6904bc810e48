#include "probes/probe_loop.hpp"

#include <algorithm>
#include <random>

#include <spdlog/spdlog.h>

#include "common/saturating_time.hpp"
#include "probes/model/budget_finding.hpp"
#include "probes/model/client_presence.hpp"
#include "probes/model/recent_errors.hpp"

namespace opsagent::probes {

namespace {

bool gating_failure(const CheckResult& c) {
  return c.gates_readiness && c.status == CheckStatus::fail;
}

// How long a cycle waits for the app's checks once the database's part is done: a healthy app
// answers well within it, and a slower answer is reported by the next cycle. So a slow app delays
// the report of a frozen database by this much at most, never by its whole timeout.
constexpr std::chrono::milliseconds kHttpWait{250};

// One cycle: the database probe on this thread, the HTTP checks beside it on theirs. With
// `wait_for_http` every check's run is awaited; otherwise for kHttpWait from the cycle's start
// at most, and not at all once the database has failed (the cycle is not ready either way).
Snapshot run_cycle(CycleProbes& probes, const config::Config& config,
                   const config::Environment& env, std::uint64_t sequence, bool wait_for_http) {
  const auto start = SteadyClock::now();
  Snapshot s;
  s.sequence = sequence;
  s.taken_at = std::chrono::system_clock::now();
  auto& http = probes.http;
  http.sync(config.readiness.http);
  http.start_all();
  const auto http_done_by = http.all_done_by();
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
  if (s.pool) {
    if (auto presence = client_presence_check(*s.pool)) s.checks.push_back(std::move(*presence));
  }
  const auto now = SteadyClock::now();
  auto until = std::max(now, start + kHttpWait);
  if (wait_for_http) until = http_done_by;
  if (!wait_for_http && std::ranges::any_of(s.checks, gating_failure)) until = now;
  for (auto& c : http.collect(until)) s.checks.push_back(std::move(c));
  s.completed = SteadyClock::now();
  s.duration = std::chrono::duration_cast<std::chrono::microseconds>(s.completed - start);
  return s;
}

}  // namespace

Snapshot run_one_cycle(CycleProbes& probes, const config::Config& config,
                       const config::Environment& env, std::uint64_t sequence) {
  return run_cycle(probes, config, env, sequence, true);
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
  RecentErrors recent_errors(Snapshot::kRecentErrors);
  BudgetFinding budget_finding;
  for (;;) {
    beat();
    auto config = config_.get();
    auto snapshot =
        std::make_shared<Snapshot>(run_cycle(probes_, *config, env_, ++sequence, false));
    if (const auto& a = snapshot->activity) {
      history.add({snapshot->taken_at, a->used(), a->usable_slots, a->utilization()});
    }
    snapshot->utilization = history.summarize(snapshot->taken_at);
    recent_errors.observe(snapshot->checks, snapshot->taken_at);
    snapshot->recent_errors = recent_errors.list();
    if (auto news = budget_finding.observe(snapshot->pool)) {
      spdlog::log(news->problem ? spdlog::level::warn : spdlog::level::info, "{}", news->message);
    }
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
