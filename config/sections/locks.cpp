// [locks]: who blocks whom when sessions wait on locks (the blocking tree), the postgres:locks
// check and the PostgresLockQueue alert. The tree's statement is sent only in cycles whose
// activity statement saw a session waiting on a lock.
#include <array>
#include <chrono>

#include "config/key_types.hpp"
#include "config/sections/cross_check.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/duration.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

constexpr auto kLocks = &Config::locks;
using L = LocksSection;
using Key = KeySpec<Config>;

const std::array kKeys{
    Key{"locks", "enabled", boolean<kLocks, &L::enabled>(), "true", Reload::live,
        "when sessions wait on locks, read who blocks whom (one more statement, only in those "
        "cycles); false: only the count of waiting sessions"},
    Key{"locks", "max_sessions", integer<kLocks, &L::max_sessions>(2, 1000, 50), "50", Reload::live,
        "sessions shown in the blocking tree, queues with the most sessions first; the rest are "
        "counted (2..1000)"},
    Key{"locks", "alert_after", duration_or_off<kLocks, &L::alert_after>(1s, 1h), "\"10s\"",
        Reload::live,
        "PostgresLockQueue fires when the head of a lock queue has waited this long; 0s (off) or "
        "1s..1h"},
    Key{"locks", "alert_queued", integer<kLocks, &L::alert_queued>(0, 10000, 5), "5", Reload::live,
        "or when this many sessions wait in one queue, however briefly (0 = off, ..10000)"},
    Key{"locks", "critical_after", duration_or_off<kLocks, &L::critical_after>(1s, 24h), "\"1m\"",
        Reload::live,
        "a head waiting this long makes postgres:locks fail (critical) and the alert critical; "
        "0s (off) or 1s..24h"},
    Key{"locks", "gates_readiness", boolean<kLocks, &L::gates_readiness>(), "false", Reload::live,
        "whether a critical postgres:locks makes the agent not ready (/health/ready 503); by "
        "default a lock queue is a warning and an alert only"},
};

}  // namespace

std::span<const KeySpec<Config>> locks_keys() {
  return kKeys;
}

void check_locks(const Config& c, Diagnostics& diag) {
  const std::array keys{std::string_view("locks.critical_after"),
                        std::string_view("locks.alert_after")};
  if (any_error(diag, keys)) return;
  const auto& l = c.locks;
  if (l.critical_after.count() == 0 || l.alert_after.count() == 0 ||
      l.critical_after > l.alert_after) {
    return;
  }
  diag.error(first_set(diag, keys), "locks.critical_after",
             "locks.critical_after (" + format_duration(l.critical_after) +
                 ") is not above locks.alert_after (" + format_duration(l.alert_after) +
                 "), so a queue would be critical before it alerts; raise locks.critical_after or "
                 "lower locks.alert_after");
}

}  // namespace opsagent::config
