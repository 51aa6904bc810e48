// [[pool.clients]]: each entry is read against client_keys(), then checked for its required keys,
// then names are checked for uniqueness across entries.
#include <map>

#include "config/keys.hpp"
#include "config/values.hpp"

namespace opsagent::config {
namespace {

struct FirstUse {
  std::string key;
  Position at;
};

// Names identify clients in /status and in the budget arithmetic, so two must never share one.
void check_unique_name(const ClientDraft& p, const std::string& key,
                       std::map<std::string, FirstUse>& names, Diagnostics& diag) {
  if (!p.name || diag.has_error(key + ".name")) return;
  const auto [first, inserted] = names.try_emplace(p.name->value, FirstUse{key, p.name->at});
  if (inserted) return;
  diag.error(p.name->at, key + ".name",
             "client name " + in_quotes(p.name->value) + " is already used by " +
                 first->second.key + " (line " + std::to_string(first->second.at.line) +
                 "); give each client its own name");
}

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
                    .pool_max = p.pool_max->value};
}

}  // namespace

void apply_pool_clients(const toml::node& value, const std::string& key, Config& config,
                        Diagnostics& diag) {
  const auto* array = value.as_array();
  if (!array) {
    diag.error(position_of(value), key,
               "expected an array of tables (write each client as a [[pool.clients]] block), "
               "got " +
                   std::string(type_name(value)));
    return;
  }
  std::vector<PoolClient> clients;
  std::map<std::string, FirstUse> names;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    const std::string item_key = key + "[" + std::to_string(i) + "]";
    const auto* table = item.as_table();
    if (!table) {
      diag.error(position_of(item), item_key,
                 "expected a table with `name`, `application_name` and `pool_max`, got " +
                     std::string(type_name(item)));
      continue;
    }
    ClientDraft draft{.at = position_of(*table),
                      .name = {},
                      .application_name = {},
                      .instances = {},
                      .pool_max = {}};
    apply_table(*table, "pool.clients", item_key, client_keys(), draft, diag);
    check_unique_name(draft, item_key, names, diag);
    if (auto client = resolve(draft, item_key, diag)) clients.push_back(std::move(*client));
  }
  config.pool.clients = std::move(clients);
}

}  // namespace opsagent::config
