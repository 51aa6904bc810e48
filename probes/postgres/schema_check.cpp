#include "probes/postgres/schema_check.hpp"

#include <libpq-fe.h>

#include <fmt/format.h>

#include "probes/postgres/transaction_scope.hpp"

namespace opsagent::probes {

namespace {

using config::MigrationMarker;

constexpr Oid kBoolOid = 16;

// Relation kinds a table check accepts: tables (ordinary, partitioned, foreign); views and
// materialized views only with readiness.accept_views ($5). An unqualified name is looked up in
// readiness.search_path ($4), the app's schemas, never in the agent's own search_path
// (current_schemas), which may hold a table of that name the app never sees.
constexpr const char* kSchemaSql = R"sql(
SELECT w.ord::int, EXISTS (
  SELECT 1
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relname = w.rel
    AND (c.relkind IN ('r', 'p', 'f') OR ($5::bool AND c.relkind IN ('v', 'm')))
    AND CASE WHEN w.nsp = '' THEN n.nspname = ANY ($4::text[])
             ELSE n.nspname = w.nsp END
    AND (w.col = '' OR EXISTS (
      SELECT 1 FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = c.oid AND a.attname = w.col AND a.attnum > 0 AND NOT a.attisdropped)))
FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS w(nsp, rel, col, ord)
ORDER BY w.ord)sql";

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// Why a query marker did not pass; empty when it passed.
struct MarkerOutcome {
  bool present = false;
  ErrorClass error = ErrorClass::none;
  std::string why;
};

MarkerOutcome judge_query_marker(const PGresult* settings, const PGresult* query,
                                 std::string_view secret) {
  if (PQresultStatus(settings) != PGRES_TUPLES_OK) {
    auto f = statement_failure(settings, secret);
    return {false, f.error, "could not start a read-only transaction: " + f.message};
  }
  const auto status = PQresultStatus(query);
  if (status == PGRES_PIPELINE_ABORTED) return {false, ErrorClass::query_error, "not run"};
  if (status != PGRES_TUPLES_OK) {
    auto f = statement_failure(query, secret);
    if (f.error == ErrorClass::read_only_violation) {
      return {false, f.error, "the query tried to write; markers must be read-only SELECTs"};
    }
    return {false, f.error, f.message};
  }
  if (PQntuples(query) != 1 || PQnfields(query) != 1 || PQftype(query, 0) != kBoolOid) {
    return {false, ErrorClass::bad_result,
            fmt::format("expected one boolean value, got {} row(s) of {} column(s)",
                        PQntuples(query), PQnfields(query))};
  }
  if (PQgetisnull(query, 0, 0)) return {false, ErrorClass::missing_markers, "returned NULL"};
  if (std::string_view(PQgetvalue(query, 0, 0)) != "t") {
    return {false, ErrorClass::missing_markers, "returned false"};
  }
  return {true, ErrorClass::none, {}};
}

}  // namespace

std::string text_array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

PipelineStatement schema_statement(const config::ReadinessSection& readiness) {
  std::vector<std::string> schemas, tables, columns;
  auto add = [&](const config::TableName& t, const std::string& column) {
    schemas.push_back(t.schema);
    tables.push_back(t.table);
    columns.push_back(column);
  };
  for (const auto& t : readiness.expected_tables) add(t, "");
  for (const auto& m : readiness.migrations) {
    if (m.kind != MigrationMarker::Kind::query) add(m.table, m.column);
  }
  return PipelineStatement{
      kSchemaSql,
      {text_array_literal(schemas), text_array_literal(tables), text_array_literal(columns),
       text_array_literal(readiness.search_path), readiness.accept_views ? "true" : "false"},
      false};
}

std::vector<PipelineStatement> marker_statements(const config::ReadinessSection& readiness,
                                                 const config::DatabaseSection& database) {
  std::vector<PipelineStatement> statements;
  for (const auto& m : readiness.migrations) {
    if (m.kind != MigrationMarker::Kind::query) continue;
    for (auto& st : scoped_segment(database, {PipelineStatement{m.query, {}, false}}, true)) {
      statements.push_back(std::move(st));
    }
  }
  return statements;
}

SchemaVerdict judge_schema(const config::ReadinessSection& readiness, const pg_result* catalog,
                           const std::expected<std::vector<PgResultPtr>, PgFailure>& markers,
                           std::string_view secret) {
  auto exists = [&](std::size_t index) {
    return index < static_cast<std::size_t>(PQntuples(catalog)) &&
           std::string_view(PQgetvalue(catalog, static_cast<int>(index), 1)) == "t";
  };

  SchemaVerdict v;
  v.tables.name = "schema:tables";
  std::size_t row = 0;
  for (const auto& t : readiness.expected_tables) {
    if (!exists(row++)) v.tables.missing.push_back(t.display());
  }
  if (v.tables.missing.empty()) {
    v.tables.status = CheckStatus::pass;
    v.tables.message =
        readiness.expected_tables.empty()
            ? std::string("no expected tables configured")
            : fmt::format("all {} expected tables present", readiness.expected_tables.size());
  } else {
    v.tables.status = CheckStatus::fail;
    v.tables.error = ErrorClass::missing_tables;
    v.tables.message = "missing tables: " + join(v.tables.missing);
  }

  v.migrations.name = "schema:migrations";
  std::vector<std::string> reasons;
  std::size_t query_index = 0;
  for (const auto& m : readiness.migrations) {
    MarkerOutcome outcome;
    if (m.kind == MigrationMarker::Kind::query && !markers) {
      // The markers' round trip as a whole ran out of time: theirs is the blame, not the
      // server's (the catalog statement before them has answered).
      outcome = {false, markers.error().error,
                 "not judged: the query markers did not finish within the cycle (" +
                     markers.error().message + "); make them faster or fewer"};
    } else if (m.kind == MigrationMarker::Kind::query) {
      const std::size_t base = kStatementsPerQueryMarker * query_index++;
      outcome = judge_query_marker(markers->at(base).get(), markers->at(base + 1).get(), secret);
    } else {
      outcome.present = exists(row++);
      if (!outcome.present) {
        outcome.error = ErrorClass::missing_markers;
        outcome.why = m.kind == MigrationMarker::Kind::table
                          ? "table " + m.table.display() + " is absent"
                          : "column " + m.table.display() + "." + m.column + " is absent";
      }
    }
    if (outcome.present) continue;
    v.migrations.missing.push_back(m.name);
    reasons.push_back(fmt::format("{} ({})", m.name, outcome.why));
    // A marker that could not be judged says more than one that is merely absent.
    if (v.migrations.error == ErrorClass::none ||
        v.migrations.error == ErrorClass::missing_markers) {
      v.migrations.error = outcome.error;
    }
  }
  if (reasons.empty()) {
    v.migrations.status = CheckStatus::pass;
    v.migrations.message =
        readiness.migrations.empty()
            ? std::string("no migration markers configured")
            : fmt::format("all {} migration markers present", readiness.migrations.size());
  } else {
    v.migrations.status = CheckStatus::fail;
    v.migrations.message = "missing markers: " + join(reasons);
  }
  return v;
}

}  // namespace opsagent::probes
