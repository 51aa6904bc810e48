// [pool]: the thresholds of connection use, and the app's pools ([[pool.clients]],
// pool_clients.cpp).
#include <array>
#include <chrono>

#include "config/key_types.hpp"
#include "config/sections/cross_check.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/choices.hpp"
#include "config/syntax/duration.hpp"
#include "config/syntax/identifier.hpp"
#include "config/syntax/quoting.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

constexpr auto kPool = &Config::pool;
using Key = KeySpec<Config>;

void set_terminate_mode(const toml::node& value, const std::string& key, Config& c,
                        Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"dry_run\"", diag);
  if (!text) return;
  const auto mode = parse_terminate_mode(*text);
  if (!mode) return report(diag, value, key, mode.error());
  c.pool.terminate_idle_in_transaction = *mode;
}

void set_terminate_role(const toml::node& value, const std::string& key, Config& c,
                        Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a role name like \"app\"", diag);
  if (!text) return;
  // "" is the default: no role, which the cross-check requires unless termination is off.
  if (auto ok = check_role_name(*text); !text->empty() && !ok) {
    return report(diag, value, key, "role " + in_quotes(*text) + " " + ok.error());
  }
  c.pool.terminate_role = *text;
}

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
    Key{"pool", "terminate_idle_in_transaction", custom<&set_terminate_mode>("string"), "\"off\"",
        Reload::live,
        "off, dry_run or on: terminate (on) or only log and report (dry_run) declared clients' "
        "sessions of pool.terminate_role idle in a transaction for pool.terminate_after while the "
        "pool is at or above pool.warn; never through a pooler"},
    Key{"pool", "terminate_after", duration<kPool, &PoolSection::terminate_after>(10s, 24h),
        "\"10m\"", Reload::live,
        "how long a session must have been idle in a transaction before it may be terminated; "
        "10s..24h, at least pool.idle_in_transaction_warn"},
    Key{"pool", "terminate_role", custom<&set_terminate_role>("string"), "\"\"", Reload::live,
        "the one role (pg_stat_activity.usename, exact) whose sessions may be terminated; "
        "required unless pool.terminate_idle_in_transaction is off; superusers' sessions never"},
};

}  // namespace

std::span<const KeySpec<Config>> pool_keys() {
  return kKeys;
}

// Critical must be reached only after warn, or warn could never be reported on its own. Forms
// that differ measure different things ("80%" vs "-5" cross over depending on max_connections),
// so only thresholds of one form can be compared.
namespace {

// Termination needs its one role, and must not hit a session before it was even reported.
void check_termination(const Config& c, Diagnostics& diag) {
  const auto& p = c.pool;
  if (p.terminate_idle_in_transaction != PoolSection::Terminate::off && p.terminate_role.empty() &&
      !diag.has_error("pool.terminate_role")) {
    diag.error(first_set(diag, std::array{std::string_view{"pool.terminate_idle_in_transaction"}}),
               "pool.terminate_role",
               "missing while pool.terminate_idle_in_transaction = \"" +
                   std::string(to_string(p.terminate_idle_in_transaction)) +
                   "\": name the one role whose sessions may be terminated, e.g. "
                   "terminate_role = \"app\" (the role the app connects as)");
  }
  const auto keys = {std::string_view{"pool.terminate_after"},
                     std::string_view{"pool.idle_in_transaction_warn"}};
  if (any_error(diag, keys) || p.terminate_after >= p.idle_in_transaction_warn) return;
  diag.error(first_set(diag, keys), "pool.terminate_after",
             "pool.terminate_after (" + format_duration(p.terminate_after) +
                 ") is shorter than pool.idle_in_transaction_warn (" +
                 format_duration(p.idle_in_transaction_warn) +
                 "), so a session could be terminated before it was ever reported; raise "
                 "pool.terminate_after or lower pool.idle_in_transaction_warn");
}

}  // namespace

void check_pool(const Config& c, Diagnostics& diag) {
  check_termination(c, diag);
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
