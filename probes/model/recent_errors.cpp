#include "probes/model/recent_errors.hpp"

namespace opsagent::probes {

void RecentErrors::observe(const std::vector<CheckResult>& checks,
                           std::chrono::system_clock::time_point at) {
  for (const auto& c : checks) {
    if (c.status == CheckStatus::pass) {
      for (auto& e : errors_) {
        if (e.check == c.name && !e.cleared_at) e.cleared_at = at;
      }
      continue;
    }
    if (c.status != CheckStatus::fail || c.error == ErrorClass::none) continue;
    // A threshold crossing is a state its check shows, not an error.
    if (c.error == ErrorClass::query_threshold || c.error == ErrorClass::cpu_high ||
        c.error == ErrorClass::memory_high || c.error == ErrorClass::lock_queue ||
        c.error == ErrorClass::deploy_overlap) {
      continue;
    }
    // A failure that repeats every cycle is one entry, with the time it was last seen.
    std::erase_if(errors_, [&](const RecentError& e) {
      return e.check == c.name && e.error == c.error && e.message == c.message;
    });
    errors_.push_front({at, c.name, c.error, c.message, std::nullopt});
    if (errors_.size() > capacity_) errors_.pop_back();
  }
}

}  // namespace opsagent::probes
