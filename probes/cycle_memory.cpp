#include "probes/cycle_memory.hpp"

namespace opsagent::probes {

CycleMemory::CycleMemory(config::Duration interval) : history_(interval) {}

std::optional<FindingNews> CycleMemory::remember(Snapshot& s, const config::Config& config) {
  if (const auto& a = s.activity) {
    history_.add({s.taken_at, a->used(), a->usable_slots, a->utilization()});
    const auto window =
        std::chrono::duration_cast<std::chrono::seconds>(config.pool.forecast_window);
    s.exhaustion = forecast_exhaustion(history_.recent(s.taken_at, window), s.taken_at, window);
    s.checks.push_back(forecast_check(*s.exhaustion, config.pool.forecast_horizon));
  }
  s.utilization = history_.summarize(s.taken_at);
  recent_errors_.observe(s.checks, s.taken_at);
  s.recent_errors = recent_errors_.list();
  return budget_finding_.observe(s.pool);
}

}  // namespace opsagent::probes
