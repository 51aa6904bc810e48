#include "probes/probe_loop.hpp"

#include <algorithm>
#include <random>

#include <spdlog/spdlog.h>

#include "common/saturating_time.hpp"
#include "common/text/log_text.hpp"
#include "common/text/time_format.hpp"
#include "config/syntax/choices.hpp"
#include "probes/container/process_tree.hpp"
#include "probes/cycle_memory.hpp"
#include "probes/cycle_snapshot.hpp"

namespace opsagent::probes {

namespace {

// The declared clients' leaked and idle in transaction sessions. The app's processes are read
// after pg_stat_activity, so a worker that started meanwhile is alive in the read.
void assess_connections(Snapshot& s, CycleProbes& probes, const config::Config& config,
                        const AppPid& app_pid) {
  if (!s.activity || config.pool.clients.empty()) return;
  std::optional<std::set<int>> live;
  // Through a pooler the sessions seen are the pooler's, named after whichever client came first.
  if (const int pid = app_pid ? app_pid() : 0; pid > 0 && !s.via_pooler.value_or(false)) {
    live = process_tree_pids(pid);
  }
  auto hygiene = assess_hygiene(*s.activity, config.pool, live);
  probes.leaks.confirm(hygiene);
  for (auto& c : hygiene_checks(hygiene)) s.checks.push_back(std::move(c));
  s.hygiene = std::move(hygiene);
}

// What pool.terminate_idle_in_transaction did this cycle: each termination (or dry-run
// candidate) logged once at warn, the record carried by the snapshot, and its check.
void record_terminations(Snapshot& s, CycleProbes& probes, const config::Config& config,
                         std::optional<TerminationRound> round) {
  const auto mode = config.pool.terminate_idle_in_transaction;
  auto& record = probes.terminations;
  if (mode == TerminateMode::off && record.recent.empty() && record.totals.empty()) return;
  const std::string previous_note = record.note;
  for (const auto& t : record_round(record, mode, std::move(round), s.taken_at)) {
    spdlog::warn(
        "pool.terminate_idle_in_transaction = \"{}\": {} session pid {} (application_name "
        "\"{}\", role {}, client {}), idle in a transaction for {}",
        config::to_string(t.mode),
        t.mode == TerminateMode::dry_run ? "would terminate"
        : t.terminated                   ? "terminated"
                                         : "could not terminate (already gone)",
        t.pid, common::log_safe(t.application_name), common::log_safe(t.role), t.client,
        common::format_elapsed(t.age_s));
  }
  if (!record.note.empty() && record.note != previous_note) {
    spdlog::warn("pool.terminate_idle_in_transaction: {}", record.note);
  }
  if (mode != TerminateMode::off) {
    s.checks.push_back(termination_check(record, config.pool, s.taken_at));
  }
  s.terminations = record;
}

// One cycle: the database probe on this thread, the HTTP checks beside it on theirs.
// The upstream APIs and the container are not probed here: the cycle copies what their prober
// and sampler last published.
Snapshot run_cycle(CycleProbes& probes, const config::Config& config,
                   const config::Environment& env, std::uint64_t sequence,
                   bool wait_for_every_check, const UpstreamBoardStore* upstreams,
                   const ContainerStatusStore* container, const AppPid& app_pid) {
  const auto start = SteadyClock::now();
  Snapshot s;
  s.sequence = sequence;
  s.taken_at = std::chrono::system_clock::now();
  auto& http = probes.http;
  http.sync(config.readiness.http, config.agent.interval);
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
  auto database =
      probes.postgres.run(config, env(config.database.dsn_env), deadline,
                          config.pgbouncer.enabled() ? PostgresProbe::PoolerLook(look_at_pooler)
                                                     : PostgresProbe::PoolerLook());
  if (config.pgbouncer.enabled()) look_at_pooler();
  auto termination = std::move(database.termination);
  fill_snapshot(s, std::move(database), std::move(pooler));
  assess_connections(s, probes, config, app_pid);
  record_terminations(s, probes, config, std::move(termination));
  const auto until =
      http_checks_until(s, start, SteadyClock::now(), http_done_by, wait_for_every_check);
  for (auto& c : http.collect(until)) s.checks.push_back(std::move(c));
  s.http_latency = http.latencies(std::chrono::system_clock::now());
  if (upstreams) {
    const auto board = upstreams->get();
    if (board) s.upstreams = board->upstreams;
    for (const auto& u : s.upstreams) s.checks.push_back(upstream_check(u));
  }
  if (container) {
    if (const auto latest = container->get();
        latest && latest->source != ContainerStatus::Source::off) {
      s.container = *latest;
      for (const auto& c : latest->checks) s.checks.push_back(c);
    }
  }
  s.completed = SteadyClock::now();
  s.duration = std::chrono::duration_cast<std::chrono::microseconds>(s.completed - start);
  return s;
}

}  // namespace

Snapshot run_one_cycle(CycleProbes& probes, const config::Config& config,
                       const config::Environment& env, std::uint64_t sequence) {
  // A one-off command never terminates a session: it reports what the daemon would (dry_run).
  if (config.pool.terminate_idle_in_transaction == TerminateMode::on) {
    auto dry = config;
    dry.pool.terminate_idle_in_transaction = TerminateMode::dry_run;
    return run_cycle(probes, dry, env, sequence, true, nullptr, nullptr, {});
  }
  return run_cycle(probes, config, env, sequence, true, nullptr, nullptr, {});
}

config::Duration wait_before_next_cycle(config::Duration interval, std::minstd_rand& random) {
  std::uniform_int_distribution<config::Duration::rep> jitter(0, interval.count() / 10);
  return interval - config::Duration(jitter(random));
}

ProbeLoop::ProbeLoop(ConfigHolder& config, SnapshotStore& store, config::Environment env,
                     OnPublish on_publish, const UpstreamBoardStore* upstreams,
                     const ContainerStatusStore* container, AppPid app_pid)
    : config_(config),
      store_(store),
      env_(std::move(env)),
      on_publish_(std::move(on_publish)),
      upstreams_(upstreams),
      container_(container),
      app_pid_(std::move(app_pid)),
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
  CycleMemory memory(config_.get()->agent.interval);
  for (;;) {
    beat();
    auto config = config_.get();
    auto snapshot = std::make_shared<Snapshot>(
        run_cycle(probes_, *config, env_, ++sequence, false, upstreams_, container_, app_pid_));
    for (const auto& news : memory.remember(*snapshot, *config)) {
      spdlog::log(news.problem ? spdlog::level::warn : spdlog::level::info, "{}", news.message);
    }
    store_.set(snapshot);
    beat();
    try {
      on_publish_(*snapshot);
    } catch (const std::exception& e) {
      spdlog::error("after probe cycle {}: {}", sequence, e.what());
    }
    spdlog::debug("probe cycle {} took {}us: {}", sequence, snapshot->duration.count(),
                  snapshot->first_failure() ? snapshot->first_failure()->message : "all pass");
    const auto wait = wait_before_next_cycle(config->agent.interval, rng);
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
