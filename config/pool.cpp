// [[pool.clients]]: each entry is read against client_keys(), then checked for its required keys,
// then names are checked for uniqueness across entries.
#include "config/keys.hpp"
#include "config/table_array.hpp"
#include "config/values.hpp"

namespace opsagent::config {
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

}  // namespace

void apply_pool_clients(const toml::node& value, const std::string& key, Config& config,
                        Diagnostics& diag) {
  const TableArray<ClientDraft> spec{.section = "pool.clients",
                                     .block = "client",
                                     .expects = "`name`, `application_name` and `pool_max`",
                                     .keys = client_keys()};
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
