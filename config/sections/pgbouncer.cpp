// [pgbouncer]: the optional probe of PgBouncer's admin console.
#include <array>
#include <chrono>

#include "config/key_types.hpp"
#include "config/sections/sections.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

constexpr auto kPgBouncer = &Config::pgbouncer;
using P = PgBouncerSection;
using Key = KeySpec<Config>;

const std::array kKeys{
    Key{"pgbouncer", "dsn_env", dsn_env<kPgBouncer, &P::dsn_env>("PGBOUNCER_ADMIN_URL", true),
        "\"\"", Reload::live,
        "name of the environment variable holding the DSN of PgBouncer's admin console (database "
        "pgbouncer, a user listed in stats_users); \"\" turns the PgBouncer probe off"},
    Key{"pgbouncer", "maxwait_critical",
        duration_or_off<kPgBouncer, &P::maxwait_critical>(100ms, 10min), "\"5s\"", Reload::live,
        "a client waiting this long for a server connection is critical (clients waiting at all "
        "is a warning); 0s (off) or 100ms..10m"},
};

}  // namespace

std::span<const KeySpec<Config>> pgbouncer_keys() {
  return kKeys;
}

}  // namespace opsagent::config
