#include "probes/cycle_memory.hpp"

namespace opsagent::probes {

CycleMemory::CycleMemory(config::Duration interval) : history_(interval) {}

std::optional<FindingNews> CycleMemory::remember(Snapshot& s) {
  if (const auto& a = s.activity) {
    history_.add({s.taken_at, a->used(), a->usable_slots, a->utilization()});
  }
  s.utilization = history_.summarize(s.taken_at);
  recent_errors_.observe(s.checks, s.taken_at);
  s.recent_errors = recent_errors_.list();
  return budget_finding_.observe(s.pool);
}

}  // namespace opsagent::probes
