// [readiness]: what must hold before the deployment is ready: tables, migration markers
// ([[readiness.migrations]], readiness_migrations.cpp) and the app's own HTTP endpoints
// ([[readiness.http]], readiness_http.cpp).
#include <array>
#include <map>
#include <vector>

#include "config/key_types.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/choices.hpp"
#include "config/syntax/identifier.hpp"
#include "config/syntax/quoting.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

void set_on_pressure(const toml::node& value, const std::string& key, Config& c,
                     Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"warn\"", diag);
  if (!text) return;
  const auto rule = parse_on_pressure(*text);
  if (!rule) return report(diag, value, key, rule.error());
  c.readiness.on_pressure = *rule;
}

void set_expected_tables(const toml::node& value, const std::string& key, Config& c,
                         Diagnostics& diag) {
  const auto* array = value.as_array();
  if (!array) {
    return report(diag, value, key,
                  "expected an array of strings like [\"permits\", \"public.contacts\"], got " +
                      std::string(type_name(value)));
  }
  std::vector<TableName> tables;
  std::map<std::string, Position> seen;  // folded name -> first occurrence
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    const std::string item_key = key + "[" + std::to_string(i) + "]";
    auto table = table_name_value(item, item_key, diag);
    if (!table) continue;
    const auto [first, inserted] = seen.try_emplace(table->display(), position_of(item));
    if (!inserted) {
      report(diag, item, item_key,
             in_quotes(item.as_string()->get()) + " is listed twice (first at line " +
                 std::to_string(first->second.line) + ", column " +
                 std::to_string(first->second.column) +
                 "; unquoted names are case-insensitive); list each table once");
      continue;
    }
    tables.push_back(std::move(*table));
  }
  c.readiness.expected_tables = std::move(tables);
}

void set_search_path(const toml::node& value, const std::string& key, Config& c,
                     Diagnostics& diag) {
  const auto* array = value.as_array();
  if (!array) {
    return report(diag, value, key,
                  "expected an array of schema names like [\"public\"], got " +
                      std::string(type_name(value)));
  }
  if (array->empty()) {
    return report(diag, value, key,
                  "is empty, so no unqualified table could ever be found; list the schemas of "
                  "the app's search_path, e.g. [\"public\"]");
  }
  std::vector<std::string> schemas;
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    const std::string item_key = key + "[" + std::to_string(i) + "]";
    const std::string* text = string_value(item, item_key, "a schema name like \"public\"", diag);
    if (!text) {
      ok = false;
      continue;
    }
    if (*text == "$user") {
      ok = false;
      report(diag, item, item_key,
             "\"$user\" is not expanded here (the agent's role is not the app's); write the "
             "name of the app's role, whose schema it stands for");
      continue;
    }
    auto schema = parse_identifier(*text);
    if (!schema) {
      ok = false;
      report(diag, item, item_key, in_quotes(*text) + " is not a schema name: " + schema.error());
      continue;
    }
    schemas.push_back(std::move(*schema));
  }
  if (ok) c.readiness.search_path = std::move(schemas);
}

constexpr auto kReadiness = &Config::readiness;
using Key = KeySpec<Config>;

const std::array kKeys{
    Key{"readiness", "expected_tables", custom<&set_expected_tables>("array of strings"), "[]",
        Reload::live,
        "tables that must exist: \"table\" (looked up in readiness.search_path) or "
        "\"schema.table\"; unquoted names, "
        "folded to lower case; each listed once"},
    Key{"readiness", "search_path", custom<&set_search_path>("array of strings"), "[\"public\"]",
        Reload::live,
        "the schemas in which an unqualified table name (in expected_tables and in markers) is "
        "looked up, in order, as the app's search_path resolves it; the agent's own search_path "
        "is not used. Write the app role's search_path (SHOW search_path, as that role) with "
        "\"$user\" replaced by the role's name; unquoted identifiers; at least one"},
    Key{"readiness", "accept_views", boolean<kReadiness, &ReadinessSection::accept_views>(),
        "false", Reload::live,
        "whether a view or materialized view of that name satisfies an expected table or a "
        "table/column marker; false: only a table (ordinary, partitioned or foreign) does"},
    Key{"readiness", "migrations", custom<&apply_migrations>("array of tables"), "[]", Reload::live,
        "migration markers, one [[readiness.migrations]] block each (keys below)"},
    Key{"readiness", "marker_interval",
        duration_or_off<kReadiness, &ReadinessSection::marker_interval>(100ms, 1h), "\"30s\"",
        Reload::live,
        "how often the query markers run; between runs readiness keeps their last verdict, a "
        "failing marker is asked again every cycle, and they run at once on a new connection or "
        "after a reload changes them; 0s (every cycle) or 100ms..1h"},
    Key{"readiness", "http", custom<&apply_http_checks>("array of tables"), "[]", Reload::live,
        "HTTP endpoints of the app that must answer before the deployment is ready, one "
        "[[readiness.http]] block each (keys below); each runs beside the database probe under "
        "its own timeout"},
    Key{"readiness", "on_pressure", custom<&set_on_pressure>("string"), "\"warn\"", Reload::live,
        "what connection pressure does to readiness (every slot taken, or the pooler's queue "
        "full): warn (a warning and an alert; readiness stays, so a busy database never takes "
        "every replica out of rotation) or not_ready (a deploy gate that must not add load to a "
        "full database)"},
};

}  // namespace

std::span<const KeySpec<Config>> readiness_keys() {
  return kKeys;
}

}  // namespace opsagent::config
