// The readiness checks of the schema: expected tables and migration markers. The catalog
// statement rides in the probe's main segment; query markers run after it, one segment each.
// Building the statements and judging their results are pure functions, so both are unit-tested
// without a server. Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "probes/model/snapshot.hpp"
#include "probes/postgres/pg_connection.hpp"

namespace opsagent::probes {

// A Postgres text[] literal ({"a","b"}) for a $n::text[] parameter: no SQL is ever built from
// config values, they travel as parameters.
std::string text_array_literal(const std::vector<std::string>& items);

// The catalog statement: every expected table and every table/column marker at once. Fixed
// SQL; the names travel as parameters.
PipelineStatement schema_statement(const config::ReadinessSection& readiness);

// Each query marker as a segment of its own (transaction settings, the query, ROLLBACK: see
// transaction_scope.hpp), so one failing marker cannot abort the others and nothing the user's
// SQL does outlives it. Empty when there are no query markers.
std::vector<PipelineStatement> marker_statements(const config::ReadinessSection& readiness,
                                                 const config::DatabaseSection& database);
inline constexpr std::size_t kStatementsPerQueryMarker = 3;  // settings, query, ROLLBACK

struct SchemaVerdict {
  CheckResult tables;
  CheckResult migrations;
};

// `catalog` is schema_statement()'s successful result (the caller treats its failure as a
// connection problem); `markers` the results of marker_statements(), or why that round trip
// failed as a whole.
SchemaVerdict judge_schema(const config::ReadinessSection& readiness, const pg_result* catalog,
                           const std::expected<std::vector<PgResultPtr>, PgFailure>& markers,
                           std::string_view secret);

}  // namespace opsagent::probes
