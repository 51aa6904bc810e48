#include "probes/cycle_snapshot.hpp"

#include <algorithm>

#include "probes/model/client_presence.hpp"

namespace opsagent::probes {

void fill_snapshot(Snapshot& s, ProbeCycle&& database, std::optional<PgBouncerCycle>&& pooler) {
  s.checks = std::move(database.checks);
  if (pooler) {
    s.checks.push_back(std::move(pooler->check));
    s.pgbouncer = std::move(pooler->snapshot);
  }
  s.server_version = std::move(database.server_version);
  s.activity = std::move(database.activity);
  s.pool = std::move(database.pool);
  s.locks = std::move(database.locks);
  s.alert_leader = database.alert_leader;
  s.leadership_note = std::move(database.leadership_note);
  s.via_pooler = database.via_pooler;
  s.jobs = std::move(database.jobs);
  s.queries = std::move(database.queries);
  if (s.pool) {
    if (auto presence = client_presence_check(*s.pool)) s.checks.push_back(std::move(*presence));
  }
}

Deadline http_checks_until(const Snapshot& s, SteadyClock::time_point start,
                           SteadyClock::time_point now, Deadline all_done_by,
                           bool wait_for_every_check) {
  if (wait_for_every_check) return all_done_by;
  const bool gating_failure = std::ranges::any_of(s.checks, [](const CheckResult& c) {
    return c.gates_readiness && c.status == CheckStatus::fail;
  });
  if (gating_failure) return now;
  return std::max(now, start + kHttpWait);
}

}  // namespace opsagent::probes
