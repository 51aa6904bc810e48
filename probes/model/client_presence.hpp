// "pool:connected": is every declared application client ([[pool.clients]]) connected at all?
// A client with none of its instances in pg_stat_activity is usually an app that has not
// (re)connected yet, e.g. right after a Postgres restart, whose next requests fail while its
// pools reconnect: the database is fine, the app is not serving. A warning that never gates
// readiness. Thread-safety: pure function.
#pragma once

#include <optional>

#include "probes/model/check_result.hpp"
#include "probes/model/pool_model.hpp"

namespace opsagent::probes {

// nullopt when no clients are declared.
std::optional<CheckResult> client_presence_check(const PoolReport& report);

}  // namespace opsagent::probes
