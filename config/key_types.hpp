// The key types of the key tables: each names its TOML shape for people and carries the reader
// that checks a value and stores it in a field reached by member pointers
// (`duration<&Config::agent, &AgentSection::interval>(100ms, 1h)`). A field of an
// array-of-tables draft (`std::optional<Given<T>>`) is marked present, with its position, before
// its value is read, so that a key with a wrong value still counts as given. Internal to the
// config module. Thread-safety: pure functions and constants.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/key_table.hpp"

namespace opsagent::config {

// ---- value readers: each reports a problem and leaves `out` alone when the value is wrong ----

void report(Diagnostics& diag, const toml::node& value, const std::string& key, std::string msg);
std::string_view type_name(const toml::node& value);
const std::string* string_value(const toml::node& value, const std::string& key,
                                std::string_view expected, Diagnostics& diag);
std::optional<TableName> table_name_value(const toml::node& value, const std::string& key,
                                          Diagnostics& diag);

void read_duration(const toml::node& value, const std::string& key, const KeyBounds& bounds,
                   Duration& out, Diagnostics& diag);
void read_int(const toml::node& value, const std::string& key, const KeyBounds& bounds, int& out,
              Diagnostics& diag);
void read_bool(const toml::node& value, const std::string& key, const KeyBounds& bounds, bool& out,
               Diagnostics& diag);
void read_threshold(const toml::node& value, const std::string& key, const KeyBounds& bounds,
                    Threshold& out, Diagnostics& diag);
// The name of a variable holding a DSN (bounds.like: example; off_allowed: "" turns it off).
void read_dsn_env(const toml::node& value, const std::string& key, const KeyBounds& bounds,
                  std::string& out, Diagnostics& diag);
// The name of an array-of-tables entry (bounds.noun: "client name", bounds.like: example).
void read_entry_name(const toml::node& value, const std::string& key, const KeyBounds& bounds,
                     std::string& out, Diagnostics& diag);
// The name of a variable read when a notification is sent (bounds.noun: what it holds).
void read_secret_env(const toml::node& value, const std::string& key, const KeyBounds& bounds,
                     std::string& out, Diagnostics& diag);

// A threshold as written in the file: counts are TOML integers, the other forms strings.
std::string threshold_as_written(const Threshold& t);

// ---- reaching the field ----

template <class Member>
struct MemberOwner;
template <class Class, class Field>
struct MemberOwner<Field Class::*> {
  using type = Class;
};
// The struct a member-pointer path starts from: Config for &Config::agent, &AgentSection::listen.
template <auto First, auto... Rest>
struct PathStart {
  using type = typename MemberOwner<decltype(First)>::type;
};
template <auto... Path>
using PathOwner = typename PathStart<Path...>::type;

// Where a reader writes: the field itself, or the value of a draft's present-key slot.
template <class T>
T& value_slot(T& field, const toml::node& /*value*/) {
  return field;
}
template <class T>
T& value_slot(std::optional<Given<T>>& field, const toml::node& value) {
  field.emplace(T{}, position_of(value));
  return field->value;
}

template <auto... Path>
bool field_differs(const PathOwner<Path...>& a, const PathOwner<Path...>& b) {
  return (a.*....*Path) != (b.*....*Path);
}

// A key type whose reader `Read` stores into the field at `Path`.
template <auto Read, auto... Path>
constexpr KeyType<PathOwner<Path...>> field_type(std::string_view name, KeyBounds bounds) {
  using Target = PathOwner<Path...>;
  KeyDiffers<Target> differs = nullptr;
  if constexpr (std::is_same_v<Target, Config>) differs = &field_differs<Path...>;
  return {
      name,
      [](const toml::node& value, const std::string& key, const KeyBounds& b, Target& target,
         Diagnostics& diag) { Read(value, key, b, value_slot((target.*....*Path), value), diag); },
      bounds, differs};
}

// ---- the key types ----
// (Bounds are filled field by field: designated initialisers that leave fields out trip g++'s
// -Wmissing-field-initializers.)

template <auto... Path>
constexpr auto duration(Duration min, Duration max) {
  KeyBounds bounds;
  bounds.min = min.count();
  bounds.max = max.count();
  return field_type<&read_duration, Path...>("duration", bounds);
}
// 0s is allowed below `min` and means "off".
template <auto... Path>
constexpr auto duration_or_off(Duration min, Duration max) {
  KeyBounds bounds;
  bounds.min = min.count();
  bounds.max = max.count();
  bounds.off_allowed = true;
  return field_type<&read_duration, Path...>("duration", bounds);
}
template <auto... Path>
constexpr auto integer(int min, int max, int example) {
  KeyBounds bounds;
  bounds.min = min;
  bounds.max = max;
  bounds.example = example;
  return field_type<&read_int, Path...>("integer", bounds);
}
template <auto... Path>
constexpr auto boolean() {
  return field_type<&read_bool, Path...>("boolean", KeyBounds{});
}
template <auto... Path>
constexpr auto threshold() {
  return field_type<&read_threshold, Path...>("threshold", KeyBounds{});
}
template <auto... Path>
constexpr auto dsn_env(std::string_view like, bool off_allowed) {
  KeyBounds bounds;
  bounds.off_allowed = off_allowed;
  bounds.like = like;
  return field_type<&read_dsn_env, Path...>("string", bounds);
}
template <auto... Path>
constexpr auto entry_name(std::string_view noun, std::string_view like) {
  KeyBounds bounds;
  bounds.noun = noun;
  bounds.like = like;
  return field_type<&read_entry_name, Path...>("string", bounds);
}
template <auto... Path>
constexpr auto secret_env(std::string_view holds, std::string_view like) {
  KeyBounds bounds;
  bounds.noun = holds;
  bounds.like = like;
  return field_type<&read_secret_env, Path...>("string", bounds);
}

template <class Reader>
struct ReaderTarget;
template <class Target>
struct ReaderTarget<void (*)(const toml::node&, const std::string&, Target&, Diagnostics&)> {
  using type = Target;
};

// A key with a reader of its own (a value spread over several fields, a list with its own
// checks); `Differs` compares it for the reload warning when a reload does not apply it.
template <auto Read, auto Differs = nullptr>
constexpr auto custom(std::string_view name) {
  using Target = typename ReaderTarget<decltype(Read)>::type;
  return KeyType<Target>{name,
                         [](const toml::node& value, const std::string& key, const KeyBounds&,
                            Target& target, Diagnostics& diag) { Read(value, key, target, diag); },
                         KeyBounds{}, Differs};
}

}  // namespace opsagent::config
