// The loop shared by the array-of-tables sections ([[pool.clients]], [[readiness.http]],
// [[readiness.migrations]], [[alerts.receivers]]): each entry is read into a draft against its key
// table, its name is checked for uniqueness across entries, and the draft is resolved into the
// finished item. Internal to the config module.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <toml++/toml.h>

#include "config/diagnostics.hpp"
#include "config/key_table.hpp"
#include "config/key_types.hpp"
#include "config/syntax/quoting.hpp"

namespace opsagent::config {

// What an array-of-tables section is called in messages, and which keys its entries accept.
template <class Draft>
struct TableArray {
  std::string_view section;  // dotted table path of the entries: "pool.clients"
  std::string_view block;    // what one entry is, for people: "client", "check", "marker"
  std::string_view expects;  // the keys an entry needs, for people: "`name` and `url`"
  std::span<const KeySpec<Draft>> keys;
  // The key whose value identifies an entry (the draft's `name`): "name", or "column" for a
  // query's thresholds.
  std::string_view name_key = "name";
};

// Reads `value` (shown as `key`) as an array of tables described by `spec`. Each entry's draft
// comes from `make_draft(position of the entry's table)`, is filled by apply_table(), has its
// `name` checked for uniqueness, and is turned into an item by `resolve(draft, entry key, diag)`
// (which returns std::optional of the item). Returns the resolved items, or nothing when `value`
// is not an array at all.
template <class Draft, class MakeDraft, class Resolve,
          class Item = typename std::invoke_result_t<Resolve&, const Draft&, const std::string&,
                                                     Diagnostics&>::value_type>
std::optional<std::vector<Item>> apply_table_array(const toml::node& value, const std::string& key,
                                                   const TableArray<Draft>& spec,
                                                   MakeDraft make_draft, Resolve resolve,
                                                   Diagnostics& diag) {
  const auto* array = value.as_array();
  if (!array) {
    diag.error(position_of(value), key,
               "expected an array of tables (write each " + std::string(spec.block) + " as a [[" +
                   std::string(spec.section) + "]] block), got " + std::string(type_name(value)));
    return std::nullopt;
  }
  struct FirstUse {
    std::string key;
    Position at;
  };
  std::vector<Item> items;
  std::map<std::string, FirstUse> names;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& entry = *array->get(i);
    const std::string entry_key = key + "[" + std::to_string(i) + "]";
    const auto* table = entry.as_table();
    if (!table) {
      diag.error(position_of(entry), entry_key,
                 "expected a table with " + std::string(spec.expects) + ", got " +
                     std::string(type_name(entry)));
      continue;
    }
    Draft draft = make_draft(position_of(*table));
    apply_table(*table, spec.section, entry_key, spec.keys, draft, diag);
    // Names identify entries (in /status, /health/ready, ...), so two must never share one.
    const std::string name_key = entry_key + "." + std::string(spec.name_key);
    if (draft.name && !diag.has_error(name_key)) {
      const auto [first, inserted] =
          names.try_emplace(draft.name->value, FirstUse{entry_key, draft.name->at});
      if (!inserted) {
        diag.error(draft.name->at, name_key,
                   std::string(spec.block) + " " + std::string(spec.name_key) + " " +
                       in_quotes(draft.name->value) + " is already used by " + first->second.key +
                       " (line " + std::to_string(first->second.at.line) + "); give each " +
                       std::string(spec.block) + " its own " + std::string(spec.name_key));
      }
    }
    if (auto item = resolve(draft, entry_key, diag)) items.push_back(std::move(*item));
  }
  return items;
}

}  // namespace opsagent::config
