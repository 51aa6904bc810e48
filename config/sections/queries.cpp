// [[queries]]: each entry is read against its key table, its [[queries.thresholds]] rows against
// theirs, then checked for its required keys; names are checked for uniqueness across entries
// (and columns across one entry's thresholds).
#include <algorithm>
#include <array>
#include <chrono>
#include <set>

#include "common/text/utf8.hpp"
#include "config/key_types.hpp"
#include "config/keys.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/identifier.hpp"
#include "config/syntax/quoting.hpp"
#include "config/syntax/sql_guard.hpp"
#include "config/table_array.hpp"

namespace opsagent::config {

// A [[queries.thresholds]] row while it is being read. `name` is the column: apply_table_array()
// checks it for uniqueness within the query.
struct ThresholdDraft {
  Position at;
  std::optional<Given<std::string>> name;  // the column
  std::optional<Given<double>> warn;
  std::optional<Given<double>> critical;
  bool below = false;
};

// A [[queries]] entry while it is being read.
struct QueryDraft {
  Position at;
  std::optional<Given<std::string>> name;
  std::optional<Given<std::string>> sql;
  CustomQuery query;  // every other key, preset to its default
};

namespace {

using namespace std::chrono_literals;

void set_name(const toml::node& v, const std::string& k, QueryDraft& q, Diagnostics& d) {
  q.name.emplace(std::string{}, position_of(v));
  const std::string* text = string_value(v, k, "a string like \"page_cache\"", d);
  if (!text) return;
  // The name is a metric label value and part of a check name: a lower-case identifier keeps
  // both plain.
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (text->empty() || text->size() > 63 || !std::ranges::all_of(*text, allowed) ||
      ((*text)[0] >= '0' && (*text)[0] <= '9')) {
    return report(d, v, k,
                  "query name " + in_quotes(common::printable(*text)) +
                      " must be 1..63 lower-case letters, digits and '_', not starting with a "
                      "digit, e.g. name = \"page_cache\"");
  }
  q.name->value = *text;
}

void set_sql(const toml::node& v, const std::string& k, QueryDraft& q, Diagnostics& d) {
  q.sql.emplace(std::string{}, position_of(v));
  const std::string* text =
      string_value(v, k, "a string like \"SELECT count(*) AS entries FROM page_cache\"", d);
  if (!text) return;
  if (auto ok = check_query(*text, kCustomQuery); !ok) {
    return report(d, v, k, "the query " + ok.error());
  }
  q.sql->value = *text;
}

void set_column(const toml::node& v, const std::string& k, ThresholdDraft& t, Diagnostics& d) {
  t.name.emplace(std::string{}, position_of(v));
  const std::string* text = string_value(v, k, "a column name like \"oldest_age_s\"", d);
  if (!text) return;
  auto column = parse_identifier(*text);
  if (!column) {
    return report(d, v, k, in_quotes(*text) + " is not a column name: " + column.error());
  }
  t.name->value = std::move(*column);
}

template <std::optional<Given<double>> ThresholdDraft::*Field>
void set_level(const toml::node& v, const std::string& k, ThresholdDraft& t, Diagnostics& d) {
  (t.*Field).emplace(0.0, position_of(v));
  if (const auto* integer = v.as_integer()) {
    (t.*Field)->value = static_cast<double>(integer->get());
  } else if (const auto* real = v.as_floating_point(); real && std::isfinite(real->get())) {
    (t.*Field)->value = real->get();
  } else {
    report(d, v, k, "expected a number like 500 or 0.05, got " + std::string(type_name(v)));
  }
}

void set_direction(const toml::node& v, const std::string& k, ThresholdDraft& t, Diagnostics& d) {
  const std::string* text = string_value(v, k, "\"above\" or \"below\"", d);
  if (!text) return;
  if (*text != "above" && *text != "below") {
    return report(d, v, k,
                  in_quotes(common::printable(*text)) +
                      " is not a direction; use \"above\" (a problem at or above the levels) or "
                      "\"below\" (at or below)");
  }
  t.below = *text == "below";
}

std::optional<QueryThreshold> resolve_threshold(const ThresholdDraft& t, const std::string& key,
                                                Diagnostics& diag) {
  if (!t.name) {
    diag.error(t.at, key + ".column",
               "missing `column`: the column of the query's row this threshold is for");
    return std::nullopt;
  }
  if (!t.warn && !t.critical) {
    diag.error(t.at, key + ".warn",
               "a threshold needs `warn`, `critical` or both, e.g. warn = 500 and critical = "
               "1000");
    return std::nullopt;
  }
  QueryThreshold out{.column = t.name->value,
                     .warn = t.warn ? std::optional(t.warn->value) : std::nullopt,
                     .critical = t.critical ? std::optional(t.critical->value) : std::nullopt,
                     .below = t.below};
  if (out.warn && out.critical && !diag.has_error(key + ".warn") &&
      !diag.has_error(key + ".critical") &&
      (out.below ? *out.critical > *out.warn : *out.critical < *out.warn)) {
    diag.error(t.critical->at, key + ".critical",
               out.below ? "critical must not be above warn for direction = \"below\""
                         : "critical must not be below warn; for a column where lower is "
                           "worse, set direction = \"below\"");
  }
  return out;
}

using ThresholdKey = KeySpec<ThresholdDraft>;
constexpr std::string_view kThresholds = "queries.thresholds";

const std::array kThresholdKeys{
    ThresholdKey{kThresholds, "column", custom<&set_column>("string"), "", Reload::live,
                 "required; a column of the query's row; one threshold a column"},
    ThresholdKey{kThresholds, "warn", custom<&set_level<&ThresholdDraft::warn>>("number"), "",
                 Reload::live, "the level that makes the check warn and QueryThreshold fire"},
    ThresholdKey{kThresholds, "critical", custom<&set_level<&ThresholdDraft::critical>>("number"),
                 "", Reload::live,
                 "the level that makes the check fail (gating readiness only with "
                 "gates_readiness) and QueryThreshold critical"},
    ThresholdKey{kThresholds, "direction", custom<&set_direction>("string"), "\"above\"",
                 Reload::live,
                 "\"above\": a value at or above a level is the problem (latency, age, errors); "
                 "\"below\": at or below (free space, hit ratio)"},
};

void set_thresholds(const toml::node& v, const std::string& k, QueryDraft& q, Diagnostics& d) {
  const TableArray<ThresholdDraft> spec{.section = kThresholds,
                                        .block = "threshold",
                                        .expects = "`column` and `warn` or `critical`",
                                        .keys = kThresholdKeys,
                                        .name_key = "column"};
  auto rows = apply_table_array(
      v, k, spec,
      [](Position at) {
        return ThresholdDraft{.at = at, .name = {}, .warn = {}, .critical = {}, .below = false};
      },
      resolve_threshold, d);
  if (rows) q.query.thresholds = std::move(*rows);
}

std::optional<CustomQuery> resolve(const QueryDraft& q, const std::string& key, Diagnostics& diag) {
  if (!q.name) {
    diag.error(q.at, key + ".name",
               "missing `name`: give every query a unique name, e.g. name = \"page_cache\"");
  }
  if (!q.sql) {
    diag.error(q.at, key + ".sql",
               "missing `sql`: one read-only statement returning one row of named numeric "
               "columns, e.g. sql = \"SELECT count(*) AS entries FROM page_cache\"");
  }
  if (!q.name || !q.sql) return std::nullopt;
  CustomQuery out = q.query;
  out.name = q.name->value;
  out.sql = q.sql->value;
  return out;
}

using Key = KeySpec<QueryDraft>;
constexpr std::string_view kSection = "queries";

const std::array kKeys{
    Key{kSection, "name", custom<&set_name>("string"), "", Reload::live,
        "required; unique among the queries; lower-case letters, digits and '_'; the check "
        "\"query:<name>\" and the metrics' `query` label"},
    Key{kSection, "sql", custom<&set_sql>("string"), "", Reload::live,
        "required; one read-only statement returning one row of named numeric columns (NULL "
        "allowed); run under statement_timeout and lock_timeout in a read-only transaction"},
    Key{kSection, "interval", duration<&QueryDraft::query, &CustomQuery::interval>(1s, 24h),
        "\"1m\"", Reload::live, "how often the query runs; 1s..24h"},
    Key{kSection, "gates_readiness", boolean<&QueryDraft::query, &CustomQuery::gates_readiness>(),
        "false", Reload::live,
        "true: a critical level takes the deployment out of rotation (503); false: a warning"},
    Key{kSection, "thresholds", custom<&set_thresholds>("array of tables"), "[]", Reload::live,
        "levels for columns of the row, one [[queries.thresholds]] block each"},
};

// [[queries]] is a top-level array of tables: a row of the root table (section "").
const std::array kRootKeys{
    KeySpec<Config>{"", "queries", custom<&apply_queries>("array of tables"), "[]", Reload::live,
                    "read-only queries of the app's own tables, one [[queries]] block each (keys "
                    "below): each column of the row a gauge, with thresholds"},
};

}  // namespace

std::span<const KeySpec<Config>> queries_keys() {
  return kRootKeys;
}

std::span<const KeySpec<QueryDraft>> query_keys() {
  return kKeys;
}

std::span<const KeySpec<ThresholdDraft>> query_threshold_keys() {
  return kThresholdKeys;
}

void apply_queries(const toml::node& value, const std::string& key, Config& config,
                   Diagnostics& diag) {
  const TableArray<QueryDraft> spec{
      .section = kSection, .block = "query", .expects = "`name` and `sql`", .keys = kKeys};
  auto queries = apply_table_array(
      value, key, spec,
      [](Position at) { return QueryDraft{.at = at, .name = {}, .sql = {}, .query = {}}; }, resolve,
      diag);
  if (queries) config.queries = std::move(*queries);
}

}  // namespace opsagent::config
