// [[pool.clients]]: each entry is read against its key table, then checked for its required
// keys, then names are checked for uniqueness across entries.
#include <array>

#include "config/key_types.hpp"
#include "config/keys.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/identifier.hpp"
#include "config/syntax/quoting.hpp"
#include "config/table_array.hpp"

namespace opsagent::config {

// A [[pool.clients]] entry while it is being read: required keys can only be reported missing,
// and names checked for uniqueness, once the whole entry has been seen.
struct ClientDraft {
  Position at;  // the client's table, for missing keys
  std::optional<Given<std::string>> name;
  std::optional<Given<std::string>> application_name;
  std::optional<Given<int>> instances;
  std::optional<Given<int>> pool_max;
  std::optional<Given<bool>> via_pgbouncer;
};

namespace {

std::optional<PoolClient> resolve(const ClientDraft& p, const std::string& key, Diagnostics& diag) {
  // Reported at the entry's table: a missing key has no position of its own.
  if (!p.name) {
    diag.error(p.at, key + ".name",
               "missing `name`: give every client a unique name, e.g. name = \"web\"");
  }
  if (!p.application_name) {
    diag.error(p.at, key + ".application_name",
               "missing `application_name`: the pattern that finds this client's sessions in "
               "pg_stat_activity, e.g. application_name = \"web:*\"");
  }
  if (!p.pool_max) {
    diag.error(p.at, key + ".pool_max",
               "missing `pool_max`: the most connections one instance's pool may open (for "
               "SQLAlchemy: pool_size + max_overflow), e.g. pool_max = 20");
  }
  if (!p.name || !p.application_name || !p.pool_max) return std::nullopt;
  return PoolClient{.name = p.name->value,
                    .application_name = p.application_name->value,
                    .instances = p.instances ? p.instances->value : 1,
                    .pool_max = p.pool_max->value,
                    .via_pgbouncer = p.via_pgbouncer && p.via_pgbouncer->value};
}

void set_application_name(const toml::node& v, const std::string& k, ClientDraft& p,
                          Diagnostics& d) {
  p.application_name.emplace(std::string{}, position_of(v));
  const std::string* text = string_value(v, k, "a string like \"web:*\"", d);
  if (!text) return;
  if (auto ok = check_application_name(*text); !ok) {
    return report(d, v, k,
                  "application_name pattern " + in_quotes(*text) + " " + ok.error() +
                      " (* and ? are wildcards)");
  }
  p.application_name->value = *text;
}

// Like the marker keys, client keys only record what they saw; resolve() reports missing keys
// and apply_table_array() duplicate names once the entry is complete.
using Key = KeySpec<ClientDraft>;
constexpr std::string_view kSection = "pool.clients";

const std::array kKeys{
    Key{kSection, "name", entry_name<&ClientDraft::name>("client name", "web"), "", Reload::live,
        "required; unique; 1..63 printable ASCII characters; names the client in /status"},
    Key{kSection, "application_name", custom<&set_application_name>("string"), "", Reload::live,
        "required; a glob matched against application_name in pg_stat_activity: * matches any "
        "characters, ? one character (e.g. \"web:*\"); 1..63 printable ASCII characters"},
    Key{kSection, "instances", integer<&ClientDraft::instances>(1, 1000, 4), "1", Reload::live,
        "how many processes run this client, each with its own pool; 1..1000"},
    Key{kSection, "pool_max", integer<&ClientDraft::pool_max>(1, 10000, 20), "", Reload::live,
        "required; the most connections one instance's pool may open (for SQLAlchemy: pool_size "
        "+ max_overflow); 1..10000"},
    Key{kSection, "via_pgbouncer", boolean<&ClientDraft::via_pgbouncer>(), "false", Reload::live,
        "true when this client connects through PgBouncer: its pools count against PgBouncer's "
        "max_client_conn, and Postgres sees PgBouncer's server connections instead"},
};

}  // namespace

std::span<const KeySpec<ClientDraft>> client_keys() {
  return kKeys;
}

void apply_pool_clients(const toml::node& value, const std::string& key, Config& config,
                        Diagnostics& diag) {
  const TableArray<ClientDraft> spec{.section = "pool.clients",
                                     .block = "client",
                                     .expects = "`name`, `application_name` and `pool_max`",
                                     .keys = kKeys};
  auto clients = apply_table_array(
      value, key, spec,
      [](Position at) {
        return ClientDraft{.at = at,
                           .name = {},
                           .application_name = {},
                           .instances = {},
                           .pool_max = {},
                           .via_pgbouncer = {}};
      },
      resolve, diag);
  if (clients) config.pool.clients = std::move(*clients);
}

}  // namespace opsagent::config
