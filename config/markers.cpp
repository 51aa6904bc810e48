// [[readiness.migrations]]: each entry is read against marker_keys(), then its kind is decided
// from the keys present (or checked against an explicit `kind`), then names are checked for
// uniqueness across entries.
#include "config/keys.hpp"
#include "config/table_array.hpp"
#include "config/values.hpp"

namespace opsagent::config {
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

}  // namespace

void apply_migrations(const toml::node& value, const std::string& key, Config& config,
                      Diagnostics& diag) {
  const TableArray<MarkerDraft> spec{.section = "readiness.migrations",
                                     .block = "marker",
                                     .expects = "`name` and `table`, `column` or `query`",
                                     .keys = marker_keys()};
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
