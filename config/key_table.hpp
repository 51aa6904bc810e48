// The key-table machinery: a key is one row, declared once, with its section, name, type (which
// carries the reader that checks and stores it), default, bounds and whether a reload applies
// it. The loader walks the file against these rows, so parsing, unknown-key detection, the docs
// tests and the reload warning cannot drift apart (the PgBouncer CF_ABS way). Internal to the
// config module. Thread-safety: rows are immutable constants; apply_table() touches only its
// arguments.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/syntax/quoting.hpp"

namespace opsagent::config {

// What a reader checks beyond the value's type. Which fields matter depends on the reader: the
// range of a duration or an integer, the example shown for a wrong type, the noun a name check
// puts in its message, ...
struct KeyBounds {
  std::int64_t min = 0;  // milliseconds for durations
  std::int64_t max = 0;
  std::int64_t example = 0;  // integers: shown when the value is not an integer at all
  bool off_allowed = false;  // 0s (durations) or "" (names) is allowed and means "off"
  std::string_view noun;     // what the value is, for people: "client name", "the URL"
  std::string_view like;     // an example value, without quotes: "web", "SLACK_WEBHOOK_URL"
};

// Checks `value` and stores it in `target`; reports problems under `key` (the dotted key as the
// user should see it, e.g. "readiness.migrations[1].table").
template <class Target>
using KeyReader = void (*)(const toml::node& value, const std::string& key, const KeyBounds& bounds,
                           Target& target, Diagnostics& diag);

// Whether two targets hold different values for a key (for the reload warning).
template <class Target>
using KeyDiffers = bool (*)(const Target& a, const Target& b);

// A key's type: the name people see and the reader that parses it into its field, with bounds.
template <class Target>
struct KeyType {
  std::string_view name;  // "duration", "integer", "array of strings", ...
  KeyReader<Target> read = nullptr;
  KeyBounds bounds{};
  KeyDiffers<Target> differs = nullptr;  // set by the field readers of Config
};

// Whether a reload (SIGHUP) applies a changed key, or only the next start does.
enum class Reload { live, restart };

template <class Target>
struct KeySpec {
  constexpr KeySpec(std::string_view section_, std::string_view name_, KeyType<Target> type_,
                    std::string_view fallback_, Reload reload_, std::string_view doc_)
      : section(section_),
        name(name_),
        type(type_.name),
        apply(type_.read),
        bounds(type_.bounds),
        differs(type_.differs),
        fallback(fallback_),
        reload(reload_),
        doc(doc_) {}

  std::string_view section;  // dotted table path: "agent", "readiness.migrations"
  std::string_view name;     // the key within that table
  std::string_view type;     // for people: "duration", "integer", "array of strings", ...
  KeyReader<Target> apply;
  KeyBounds bounds;
  KeyDiffers<Target> differs;
  std::string_view fallback;  // the default as TOML text ("" when required); see config.hpp
  Reload reload;
  std::string_view doc;  // meaning and accepted values
};

// A key of an array-of-tables entry that was present, and where.
template <class T>
struct Given {
  T value{};  // meaningful only when the key had no error
  Position at;
};

// The message for a key that no table declares, with a "did you mean" hint when one is close:
// `name` misspelt within `section`, or the right name in the wrong section (did_you_mean.cpp).
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
    spec->apply(value, key, spec->bounds, target, diag);
  }
}

}  // namespace opsagent::config
