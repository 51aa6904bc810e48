// [pool]: the thresholds of connection use, and the app's pools ([[pool.clients]],
// pool_clients.cpp).
#include <array>
#include <chrono>

#include "config/key_types.hpp"
#include "config/sections/cross_check.hpp"
#include "config/sections/sections.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

constexpr auto kPool = &Config::pool;
using Key = KeySpec<Config>;
using namespace std::chrono_literals;

const std::array kKeys{
    Key{"pool", "warn", threshold<kPool, &PoolSection::warn>(), "\"80%\"", Reload::live,
        "connection use that reports warn: \"80%\" of the usable slots (above 0, at most 100, "
        "decimals allowed), 85 connections in use (an integer, 1..262143), or \"-5\" (at most 5 "
        "usable slots left; \"-0\": none)"},
    Key{"pool", "critical", threshold<kPool, &PoolSection::critical>(), "\"95%\"", Reload::live,
        "connection use that reports critical; same forms as warn. When both have the same form, "
        "critical must come later: a higher percentage or count, or fewer slots left"},
    Key{"pool", "forecast_window", duration<kPool, &PoolSection::forecast_window>(5min, 1h),
        "\"15m\"", Reload::live,
        "the exhaustion forecast's trend is the slope of the connections in use over this much "
        "of the utilization history (robust to a noisy sample); 5m..1h. No forecast until half "
        "of it has samples"},
    Key{"pool", "forecast_horizon",
        duration_or_off<kPool, &PoolSection::forecast_horizon>(1min, 24h), "\"30m\"", Reload::live,
        "warn (pool:forecast) and alert (PostgresPoolExhaustionForecast) when at the current "
        "trend the usable slots run out within this long; 0s (off) or 1m..24h"},
    Key{"pool", "clients", custom<&apply_pool_clients>("array of tables"), "[]", Reload::live,
        "the application's connection pools, one [[pool.clients]] block each (keys below); the "
        "agent checks that their instances x pool_max fit in the usable slots"},
    Key{"pool", "idle_in_transaction_warn",
        duration<kPool, &PoolSection::idle_in_transaction_warn>(1s, 24h), "\"1m\"", Reload::live,
        "a declared client's session idle in a transaction this long is counted, per client, in "
        "the pool:idle_in_transaction check (warn); 1s..24h"},
};

}  // namespace

std::span<const KeySpec<Config>> pool_keys() {
  return kKeys;
}

// Critical must be reached only after warn, or warn could never be reported on its own. Forms
// that differ measure different things ("80%" vs "-5" cross over depending on max_connections),
// so only thresholds of one form can be compared.
void check_pool(const Config& c, Diagnostics& diag) {
  const auto keys = {std::string_view{"pool.critical"}, std::string_view{"pool.warn"}};
  if (any_error(diag, keys)) return;
  const Threshold& warn = c.pool.warn;
  const Threshold& critical = c.pool.critical;
  if (comes_after(critical, warn).value_or(true)) return;
  const bool slots = warn.kind == Threshold::Kind::slots_left;
  const std::string both = "pool.critical (" + threshold_as_written(critical) + ") " +
                           (slots ? "does not leave fewer slots than" : "is not above") +
                           " pool.warn (" + threshold_as_written(warn) + ")";
  const std::string fix = slots ? "use fewer slots left for pool.critical or more for pool.warn"
                                : "raise pool.critical or lower pool.warn";
  diag.error(first_set(diag, keys), "pool.critical",
             both + ", so warn could never be reported before critical; " + fix);
}

}  // namespace opsagent::config
