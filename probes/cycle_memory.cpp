#include "probes/cycle_memory.hpp"

namespace opsagent::probes {

CycleMemory::CycleMemory(config::Duration interval) : history_(interval) {}

std::vector<FindingNews> CycleMemory::remember(Snapshot& s, const config::Config& config) {
  if (const auto& a = s.activity) {
    history_.add({s.taken_at, a->used(), a->usable_slots, a->utilization()});
    const auto window =
        std::chrono::duration_cast<std::chrono::seconds>(config.pool.forecast_window);
    s.exhaustion = forecast_exhaustion(history_.recent(s.taken_at, window), s.taken_at, window);
    s.checks.push_back(forecast_check(*s.exhaustion, config.pool.forecast_horizon));
  }
  s.utilization = history_.summarize(s.taken_at);
  std::vector<FindingNews> news;
  if (auto deploy = deploy_watch_.observe(s, config.deploy)) news.push_back(std::move(*deploy));
  recent_errors_.observe(s.checks, s.taken_at);
  s.recent_errors = recent_errors_.list();
  if (auto budget = budget_finding_.observe(s.pool)) news.push_back(std::move(*budget));
  return news;
}

}  // namespace opsagent::probes
