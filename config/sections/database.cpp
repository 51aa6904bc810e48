// [database]: how the probe connects to Postgres and how long its statements may take.
#include <array>
#include <chrono>

#include "config/key_types.hpp"
#include "config/sections/cross_check.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/duration.hpp"
#include "config/syntax/identifier.hpp"
#include "config/syntax/quoting.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

void set_application_name(const toml::node& value, const std::string& key, Config& c,
                          Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"opsagent\"", diag);
  if (!text) return;
  if (auto ok = check_application_name(*text); !ok) {
    return report(diag, value, key, in_quotes(*text) + " " + ok.error());
  }
  c.database.application_name = *text;
}

constexpr auto kDb = &Config::database;
using D = DatabaseSection;
using Key = KeySpec<Config>;

const std::array kKeys{
    Key{"database", "dsn_env", dsn_env<kDb, &D::dsn_env>("DATABASE_URL", false), "\"DATABASE_URL\"",
        Reload::live,
        "name of the environment variable that holds the libpq connection string or URL"},
    Key{"database", "connect_timeout", duration<kDb, &D::connect_timeout>(100ms, 60s), "\"3s\"",
        Reload::live, "how long one connection attempt may take; 100ms..60s"},
    Key{"database", "statement_timeout", duration<kDb, &D::statement_timeout>(100ms, 10min),
        "\"5s\"", Reload::live, "server-side limit for each probe statement; 100ms..10m"},
    Key{"database", "lock_timeout", duration<kDb, &D::lock_timeout>(0s, 10min), "\"1s\"",
        Reload::live,
        "server-side limit for waiting on a lock; 0s (off)..10m, at most statement_timeout"},
    Key{"database", "fresh_connect_interval",
        duration_or_off<kDb, &D::fresh_connect_interval>(1s, 1h), "\"5m\"", Reload::live,
        "how often to also open a brand-new connection, to catch refused logins (every 30s at "
        "most while the last one failed or the pool is critical); 0s (off) or 1s..1h"},
    Key{"database", "application_name", custom<&set_application_name>("string"), "\"opsagent\"",
        Reload::live, "shown in pg_stat_activity; 1..63 printable ASCII characters"},
};

}  // namespace

std::span<const KeySpec<Config>> database_keys() {
  return kKeys;
}

// A lock wait longer than the statement timeout could never fire: the statement would be
// cancelled first and a lock problem would look like a slow query.
void check_database(const Config& c, Diagnostics& diag) {
  const auto keys = {std::string_view{"database.lock_timeout"},
                     std::string_view{"database.statement_timeout"}};
  if (any_error(diag, keys)) return;
  if (c.database.lock_timeout <= c.database.statement_timeout) return;
  diag.error(first_set(diag, keys), "database.lock_timeout",
             format_duration(c.database.lock_timeout) +
                 " is longer than database.statement_timeout (" +
                 format_duration(c.database.statement_timeout) +
                 "), so it could never fire; lower lock_timeout (0s turns it off) or raise "
                 "statement_timeout");
}

}  // namespace opsagent::config
