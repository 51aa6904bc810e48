// The result of one probe cycle. A Snapshot is built by the probe loop, published once, and never
// modified afterwards: HTTP handlers and alert rules read it without locks.
// Thread-safety: immutable after publication; share as std::shared_ptr<const Snapshot>.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/model/activity.hpp"
#include "probes/model/check_result.hpp"
#include "probes/model/connection_hygiene.hpp"
#include "probes/model/container_model.hpp"
#include "probes/model/exhaustion_forecast.hpp"
#include "probes/model/job_report.hpp"
#include "probes/model/latency_history.hpp"
#include "probes/model/lock_tree.hpp"
#include "probes/model/pgbouncer_model.hpp"
#include "probes/model/pool_model.hpp"
#include "probes/model/query_report.hpp"
#include "probes/model/termination.hpp"
#include "probes/model/upstream_model.hpp"
#include "probes/model/utilization_history.hpp"

namespace opsagent::probes {

struct Snapshot {
  std::uint64_t sequence = 0;                       // 1 for the first published cycle
  std::chrono::system_clock::time_point taken_at;   // wall clock, for display
  std::chrono::steady_clock::time_point completed;  // for staleness
  std::chrono::microseconds duration{0};            // the whole cycle
  std::string server_version;                       // "15.18", empty until known
  std::vector<CheckResult> checks;
  std::optional<ActivitySnapshot> activity;  // absent when the cycle could not read it
  std::optional<PoolReport> pool;            // with activity
  // Who blocks whom (lock_tree.hpp), with activity: empty while nothing waits on a lock.
  std::optional<LockTree> locks;
  // Alert leadership (alerts configured with leader_election): true when this agent's session
  // holds the leadership lock. nullopt: not asked, or the database did not answer this cycle.
  std::optional<bool> alert_leader;
  // Why leadership cannot work here (statement pooling): every agent sends. Empty otherwise.
  std::string leadership_note;
  // The agent's database connection goes through a pooler: pg_stat_activity shows the pooler's
  // server connections and fresh_connect measures the pooler. nullopt: not known yet.
  std::optional<bool> via_pooler;
  std::optional<PgBouncerSnapshot> pgbouncer;  // with [pgbouncer], when its console answered
  UtilizationSummary utilization;              // history up to and including this cycle
  // The trend of the connections in use and when it exhausts the usable slots (with activity;
  // its "pool:forecast" check is in `checks`). nullopt: this cycle could not read activity.
  std::optional<ExhaustionForecast> exhaustion;
  std::vector<RecentError> recent_errors;  // newest first, at most kRecentErrors
  // The upstream APIs ([[upstreams]]) as the upstream prober last published them, in config
  // order; each also has its "upstream:<name>" check in `checks`.
  std::vector<UpstreamStatus> upstreams;
  // The [[readiness.http]] checks' latency history, in config order (the upstreams' is in
  // `upstreams`).
  std::vector<LatencyTrack> http_latency;
  std::vector<JobReport> jobs;  // [[jobs]], in config order, each as last read (see job_report)
  std::vector<QueryReport> queries;  // [[queries]], in config order, each as last run
  // The container's cgroup as the container sampler last read it ([container]); its
  // container:cpu and container:memory checks are also in `checks`. nullopt: not sampled.
  std::optional<ContainerStatus> container;
  // Leaked and idle in transaction sessions of the declared clients (with activity, when
  // [[pool.clients]] are declared); its checks pool:leaked and pool:idle_in_transaction are in
  // `checks`.
  std::optional<ConnectionHygiene> hygiene;
  // What pool.terminate_idle_in_transaction terminated (or, in dry_run, would have) since the
  // agent started; its check pool:terminations is in `checks`. nullopt: off, nothing recorded.
  std::optional<TerminationRecord> terminations;
  static constexpr std::size_t kRecentErrors = 10;

  // The first failing readiness-gating check, or nullptr when all pass.
  const CheckResult* first_failure() const;
  // A check that warns, or fails without gating readiness.
  bool has_warnings() const;
  const CheckResult* find(std::string_view name) const;
  // Every latency history: the http checks', then the upstreams', each named by its check.
  std::vector<LatencyTrack> latency_tracks() const;
};

}  // namespace opsagent::probes
