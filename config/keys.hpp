// The key table: every key the config file accepts, declared once with its type, default and
// meaning, together with the function that checks it and stores it. The loader walks the file
// against these tables, so parsing and unknown-key detection cannot drift apart (the PgBouncer
// way). Internal to the config module. Thread-safety: the tables are immutable.
#pragma once

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/values.hpp"

namespace opsagent::config {

// The longest agent.drain, whether written in the file or derived from Railway's setting.
inline constexpr Duration kMaxDrain = std::chrono::minutes(15);

template <class Target>
struct KeySpec {
  std::string_view section;   // dotted table path: "agent", "readiness.migrations"
  std::string_view name;      // the key within that table
  std::string_view type;      // for people: "duration", "integer", "array of strings", ...
  std::string_view fallback;  // the default as TOML text ("" when required); see config.hpp
  std::string_view doc;       // meaning and accepted values
  // Checks `value` and stores it in `target`; reports problems under `key` (the dotted key as the
  // user should see it, e.g. "readiness.migrations[1].table").
  void (*apply)(const toml::node& value, const std::string& key, Target& target, Diagnostics& diag);
};

// A key of an array-of-tables entry that was present, and where.
template <class T>
struct Given {
  T value{};  // meaningful only when the key had no error
  Position at;
};

// A [[readiness.migrations]] entry while it is being read: which keys were present and where,
// so that the marker's kind can be decided (and explained) once all its keys are known.
struct MarkerDraft {
  Position at;  // the marker's table, for missing keys
  std::optional<Given<std::string>> name;
  std::optional<Given<MigrationMarker::Kind>> kind;
  std::optional<Given<TableName>> table;
  std::optional<Given<std::string>> column;
  std::optional<Given<std::string>> query;
};

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

// A [[readiness.http]] entry while it is being read, for the same reasons as ClientDraft.
struct HttpDraft {
  Position at;  // the check's table, for missing keys
  std::optional<Given<std::string>> name;
  std::optional<Given<std::string>> url;  // as stored: see HttpUrl::url
  std::optional<Given<int>> expect_status;
  std::optional<Given<Duration>> timeout;
};

// The values of a receiver's `type`, in the order of AlertReceiver::Type.
inline constexpr std::string_view kReceiverTypes[] = {"webhook", "slack", "pagerduty",
                                                      "alertmanager", "exec"};

// An [[alerts.receivers]] entry while it is being read: which keys a receiver needs or forbids
// depends on its `type`, so that is checked (and explained) once the whole entry has been seen.
// A key is recorded as present even when its value was wrong, so that it still counts there.
struct ReceiverDraft {
  Position at;  // the receiver's table, for missing keys
  std::optional<Given<std::string>> name;
  std::optional<Given<AlertReceiver::Type>> type;
  std::optional<Given<std::string>> url;  // as stored: see HttpUrl::url
  std::optional<Given<std::string>> url_env;
  std::optional<Given<std::string>> secret_env;
  std::optional<Given<std::string>> routing_key_env;
  std::optional<Given<std::vector<std::string>>> command;
  std::optional<Given<std::vector<std::string>>> rules;
  std::optional<Given<Duration>> timeout;
};

std::span<const KeySpec<Config>> config_keys();
std::span<const KeySpec<MarkerDraft>> marker_keys();
std::span<const KeySpec<ClientDraft>> client_keys();
std::span<const KeySpec<HttpDraft>> http_keys();
std::span<const KeySpec<ReceiverDraft>> alert_receiver_keys();

// The sections (top-level tables) that config_keys() uses, in table order.
std::vector<std::string_view> config_sections();

// The message for a key that no table declares, with a "did you mean" hint when one is close:
// `name` misspelt within `section`, or the right name in the wrong section.
struct KeyName {
  std::string_view section;
  std::string_view name;
};
std::string unknown_key_message(const std::string& shown_key, const std::string& shown_prefix,
                                std::string_view section, std::string_view name,
                                std::span<const KeyName> known);

// Checks every key of `table` (whose keys belong to `section` and are shown as
// "<prefix>.<name>") against `keys`, and applies the known ones to `target`.
template <class Target>
void apply_table(const toml::table& table, std::string_view section, const std::string& prefix,
                 std::span<const KeySpec<Target>> keys, Target& target, Diagnostics& diag) {
  std::vector<KeyName> known;
  for (const auto& spec : keys) known.push_back({spec.section, spec.name});
  for (auto&& [name, value] : table) {
    const std::string key = prefix + "." + display_key(name.str());
    const auto spec = std::ranges::find_if(
        keys, [&](const auto& s) { return s.section == section && s.name == name.str(); });
    if (spec == keys.end()) {
      diag.error(position_of(name), key,
                 unknown_key_message(key, prefix, section, name.str(), known));
      continue;
    }
    diag.mark_set(key, position_of(value));
    spec->apply(value, key, target, diag);
  }
}

// Value readers shared by the key tables. Each reports a problem and returns nothing when the
// value has the wrong type or fails its check.
std::string_view type_name(const toml::node& value);
const std::string* string_value(const toml::node& value, const std::string& key,
                                std::string_view expected, Diagnostics& diag);
std::optional<TableName> table_name_value(const toml::node& value, const std::string& key,
                                          Diagnostics& diag);

// Applies `readiness.migrations` (an array of tables) to `config`.
void apply_migrations(const toml::node& value, const std::string& key, Config& config,
                      Diagnostics& diag);

// Applies `readiness.http` (an array of tables) to `config`.
void apply_http_checks(const toml::node& value, const std::string& key, Config& config,
                       Diagnostics& diag);

// Applies `pool.clients` (an array of tables) to `config`.
void apply_pool_clients(const toml::node& value, const std::string& key, Config& config,
                        Diagnostics& diag);

// Applies `alerts.receivers` (an array of tables) to `config`.
void apply_alert_receivers(const toml::node& value, const std::string& key, Config& config,
                           Diagnostics& diag);

}  // namespace opsagent::config
