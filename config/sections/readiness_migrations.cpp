// [[readiness.migrations]]: each entry is read against its key table, then its kind is decided
// from the keys present (or checked against an explicit `kind`), then names are checked for
// uniqueness across entries.
#include <array>

#include "config/key_types.hpp"
#include "config/keys.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/identifier.hpp"
#include "config/syntax/quoting.hpp"
#include "config/syntax/sql_guard.hpp"
#include "config/table_array.hpp"

namespace opsagent::config {

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

namespace {

using Kind = MigrationMarker::Kind;

std::string kind_name(Kind kind) {
  switch (kind) {
    case Kind::table:
      return "table";
    case Kind::column:
      return "column";
    case Kind::query:
      return "query";
  }
  return "?";
}

// `query` wins over `column` over `table`, so that a conflicting extra key is what gets reported.
std::optional<Kind> infer_kind(const MarkerDraft& m) {
  if (m.query) return Kind::query;
  if (m.column) return Kind::column;
  if (m.table) return Kind::table;
  return std::nullopt;
}

// Checks the keys a marker of `kind` needs and forbids; false when something is off.
class KindCheck {
 public:
  KindCheck(const MarkerDraft& m, const std::string& key, Kind kind, bool explicit_kind,
            Diagnostics& diag)
      : m_(m), key_(key), kind_(kind), explicit_(explicit_kind), diag_(diag) {}

  template <class Field>
  void need(const std::optional<Field>& given, const std::string& field, std::string_view what) {
    if (given) return;
    ok_ = false;
    diag_.error(m_.at, key_ + "." + field,
                "missing `" + field + "`: a " + marker() + " needs " + std::string(what));
  }

  template <class Field>
  void forbid(const std::optional<Field>& given, const std::string& field) {
    if (!given) return;
    ok_ = false;
    const std::string remedy =
        explicit_ ? "remove `" + field + "` or change `kind`"
        : kind_ == Kind::query
            ? "a query marker checks only its query; remove `" + field + "` (or `query`)"
            : "remove `" + field + "`";
    diag_.error(given->at, key_ + "." + field,
                "`" + field + "` is not allowed in a " + marker() + "; " + remedy);
  }

  bool ok() const { return ok_; }

 private:
  std::string marker() const {
    const std::string name = kind_name(kind_);
    return name + " marker" + (explicit_ ? " (kind = \"" + name + "\")" : "");
  }

  const MarkerDraft& m_;
  const std::string& key_;
  Kind kind_;
  bool explicit_;
  Diagnostics& diag_;
  bool ok_ = true;
};

std::optional<Kind> resolve_kind(const MarkerDraft& m, const std::string& key, Diagnostics& diag) {
  // A `kind` that failed its own check was already reported; fall back to inference.
  const bool explicit_kind = m.kind && !diag.has_error(key + ".kind");
  const std::optional<Kind> kind = explicit_kind ? m.kind->value : infer_kind(m);
  if (!kind) {
    if (!m.kind) {
      diag.error(m.at, key,
                 "a marker needs `table`, `table`+`column`, or `query`; add the one that shows "
                 "this migration was applied");
    }
    return std::nullopt;
  }
  KindCheck check(m, key, *kind, explicit_kind, diag);
  switch (*kind) {
    case Kind::table:
      check.need(m.table, "table", "the table the migration created");
      check.forbid(m.column, "column");
      check.forbid(m.query, "query");
      break;
    case Kind::column:
      check.need(m.table, "table", "the table that has the column");
      check.need(m.column, "column", "the column the migration added");
      check.forbid(m.query, "query");
      break;
    case Kind::query:
      check.need(m.query, "query", "one read-only statement returning a boolean");
      check.forbid(m.table, "table");
      check.forbid(m.column, "column");
      break;
  }
  if (!check.ok()) return std::nullopt;
  return kind;
}

std::optional<MigrationMarker> resolve(const MarkerDraft& m, const std::string& key,
                                       Diagnostics& diag) {
  if (!m.name) {
    diag.error(m.at, key + ".name",
               "missing `name`: give every marker a unique name, e.g. name = \"add_permits\"");
  }
  const auto kind = resolve_kind(m, key, diag);
  if (!m.name || !kind) return std::nullopt;
  MigrationMarker out{.name = m.name->value, .kind = *kind, .table = {}, .column = {}, .query = {}};
  if (m.table) out.table = m.table->value;
  if (m.column) out.column = m.column->value;
  if (m.query) out.query = m.query->value;
  return out;
}

void set_kind(const toml::node& v, const std::string& k, MarkerDraft& m, Diagnostics& d) {
  m.kind.emplace(Kind::table, position_of(v));
  const std::string* text = string_value(v, k, "a string like \"table\"", d);
  if (!text) return;
  static constexpr std::array<std::string_view, 3> kKinds{"table", "column", "query"};
  const auto it = std::ranges::find(kKinds, *text);
  if (it == kKinds.end()) {
    return report(d, v, k,
                  in_quotes(*text) +
                      " is not a marker kind; use table, column or query (or leave kind "
                      "out: the other keys imply it)");
  }
  m.kind->value = static_cast<Kind>(it - kKinds.begin());
}

void set_table(const toml::node& v, const std::string& k, MarkerDraft& m, Diagnostics& d) {
  m.table.emplace(TableName{}, position_of(v));
  if (auto table = table_name_value(v, k, d)) m.table->value = std::move(*table);
}

void set_column(const toml::node& v, const std::string& k, MarkerDraft& m, Diagnostics& d) {
  m.column.emplace(std::string{}, position_of(v));
  const std::string* text = string_value(v, k, "a string like \"score\"", d);
  if (!text) return;
  auto column = parse_identifier(*text);
  if (!column) {
    return report(d, v, k, in_quotes(*text) + " is not a column name: " + column.error());
  }
  m.column->value = std::move(*column);
}

void set_query(const toml::node& v, const std::string& k, MarkerDraft& m, Diagnostics& d) {
  m.query.emplace(std::string{}, position_of(v));
  const std::string* text =
      string_value(v, k, "a string like \"SELECT version_num = 'abc123' FROM alembic_version\"", d);
  if (!text) return;
  if (auto ok = check_query(*text); !ok) return report(d, v, k, "the query " + ok.error());
  m.query->value = *text;
}

// Marker keys only record what they saw; resolve() decides the kind afterwards.
using Key = KeySpec<MarkerDraft>;
constexpr std::string_view kSection = "readiness.migrations";

const std::array kKeys{
    Key{kSection, "name", entry_name<&MarkerDraft::name>("marker name", "add_permits"), "",
        Reload::live, "required; unique; shown in /health/ready when the marker is missing"},
    Key{kSection, "kind", custom<&set_kind>("string"), "", Reload::live,
        "optional: table, column or query; when given it must agree with the keys present"},
    Key{kSection, "table", custom<&set_table>("string"), "", Reload::live,
        "\"table\" or \"schema.table\": alone, the marker checks the table exists; with column, "
        "that the column exists in it"},
    Key{kSection, "column", custom<&set_column>("string"), "", Reload::live,
        "a column of `table` that the migration added; unquoted name, folded to lower case"},
    Key{kSection, "query", custom<&set_query>("string"), "", Reload::live,
        "one read-only SQL statement returning a single boolean; true means applied"},
};

}  // namespace

std::span<const KeySpec<MarkerDraft>> marker_keys() {
  return kKeys;
}

void apply_migrations(const toml::node& value, const std::string& key, Config& config,
                      Diagnostics& diag) {
  const TableArray<MarkerDraft> spec{.section = "readiness.migrations",
                                     .block = "marker",
                                     .expects = "`name` and `table`, `column` or `query`",
                                     .keys = kKeys};
  auto markers = apply_table_array(
      value, key, spec,
      [](Position at) {
        return MarkerDraft{
            .at = at, .name = {}, .kind = {}, .table = {}, .column = {}, .query = {}};
      },
      resolve, diag);
  if (markers) config.readiness.migrations = std::move(*markers);
}

}  // namespace opsagent::config
