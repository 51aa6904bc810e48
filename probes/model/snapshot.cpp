#include "probes/model/snapshot.hpp"

#include <algorithm>

namespace opsagent::probes {

std::string_view to_string(ErrorClass c) {
  switch (c) {
    case ErrorClass::none:
      return "none";
    case ErrorClass::config:
      return "config";
    case ErrorClass::dns:
      return "dns";
    case ErrorClass::refused:
      return "refused";
    case ErrorClass::timeout:
      return "timeout";
    case ErrorClass::auth:
      return "auth";
    case ErrorClass::too_many_connections:
      return "too_many_connections";
    case ErrorClass::pooler_saturated:
      return "pooler_saturated";
    case ErrorClass::database_missing:
      return "database_missing";
    case ErrorClass::starting_up:
      return "starting_up";
    case ErrorClass::tls:
      return "tls";
    case ErrorClass::connection_lost:
      return "connection_lost";
    case ErrorClass::lock_timeout:
      return "lock_timeout";
    case ErrorClass::read_only_violation:
      return "read_only_violation";
    case ErrorClass::query_error:
      return "query_error";
    case ErrorClass::bad_result:
      return "bad_result";
    case ErrorClass::missing_tables:
      return "missing_tables";
    case ErrorClass::missing_markers:
      return "missing_markers";
    case ErrorClass::http_status:
      return "http_status";
    case ErrorClass::job_stale:
      return "job_stale";
    case ErrorClass::job_failing:
      return "job_failing";
    case ErrorClass::query_threshold:
      return "query_threshold";
    case ErrorClass::cpu_high:
      return "cpu_high";
    case ErrorClass::memory_high:
      return "memory_high";
    case ErrorClass::lock_queue:
      return "lock_queue";
    case ErrorClass::deploy_overlap:
      return "deploy_overlap";
    case ErrorClass::unknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view to_string(CheckStatus s) {
  switch (s) {
    case CheckStatus::pass:
      return "pass";
    case CheckStatus::warn:
      return "warn";
    case CheckStatus::fail:
      return "fail";
  }
  return "fail";
}

const CheckResult* Snapshot::first_failure() const {
  auto it = std::ranges::find_if(checks, [](const CheckResult& c) {
    return c.gates_readiness && c.status == CheckStatus::fail;
  });
  return it == checks.end() ? nullptr : &*it;
}

bool Snapshot::has_warnings() const {
  return std::ranges::any_of(checks, [](const CheckResult& c) {
    return c.status == CheckStatus::warn || (c.status == CheckStatus::fail && !c.gates_readiness);
  });
}

const CheckResult* Snapshot::find(std::string_view name) const {
  auto it = std::ranges::find(checks, name, &CheckResult::name);
  return it == checks.end() ? nullptr : &*it;
}

std::vector<LatencyTrack> Snapshot::latency_tracks() const {
  std::vector<LatencyTrack> out = http_latency;
  for (const auto& u : upstreams) out.push_back({upstream_check_name(u), u.latency});
  return out;
}

}  // namespace opsagent::probes
