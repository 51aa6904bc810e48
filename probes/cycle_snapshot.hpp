// The pure steps of one probe cycle, apart from the probes' I/O (probe_loop.cpp runs them): how
// the database's and PgBouncer's results become a Snapshot, and how long the cycle waits for the
// app's HTTP checks. Thread-safety: pure functions.
#pragma once

#include <optional>

#include "common/clock.hpp"
#include "probes/model/snapshot.hpp"
#include "probes/postgres/pgbouncer_probe.hpp"
#include "probes/postgres/postgres_probe.hpp"

namespace opsagent::probes {

// How long a cycle waits for the app's checks once the database's part is done: a healthy app
// answers well within it, and a slower answer is reported by the next cycle. So a slow app delays
// the report of a frozen database by this much at most, never by its whole timeout.
inline constexpr std::chrono::milliseconds kHttpWait{250};

// Moves the database's and PgBouncer's results into `s`, checks in the order they are shown: the
// database's, PgBouncer's ("pgbouncer:pools"), then "pool:connected" from the pool report when
// clients are declared. The app's HTTP checks follow (the caller's).
void fill_snapshot(Snapshot& s, ProbeCycle&& database, std::optional<PgBouncerCycle>&& pooler);

// Until when the cycle collects the app's HTTP checks, once the database's part is done at `now`.
// `wait_for_every_check` (`opsagent check`, `wait`): until all are done (`all_done_by`).
// Otherwise (the loop) until kHttpWait after the cycle's `start` at most, and not at all when a
// readiness-gating check of `s` already failed: the cycle is not ready either way.
Deadline http_checks_until(const Snapshot& s, SteadyClock::time_point start,
                           SteadyClock::time_point now, Deadline all_done_by,
                           bool wait_for_every_check);

}  // namespace opsagent::probes
