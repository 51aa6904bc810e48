// The readiness checks of the schema: expected tables and migration markers, asked in one
// pipelined round trip. Building the statements and judging their results are pure functions,
// so both are unit-tested without a server. Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "probes/pg_connection.hpp"
#include "probes/snapshot.hpp"

namespace opsagent::probes {

// A Postgres text[] literal ({"a","b"}) for a $n::text[] parameter: no SQL is ever built from
// config values, they travel as parameters.
std::string text_array_literal(const std::vector<std::string>& items);

// Statement 0 checks every expected table and every table/column marker at once; then each
// query marker runs as BEGIN READ ONLY / query / ROLLBACK in sync segments of its own, so one
// failing marker cannot abort the others.
std::vector<PipelineStatement> schema_statements(const config::ReadinessSection& readiness);

struct SchemaVerdict {
  CheckResult tables;
  CheckResult migrations;
};

// `results` are the pipeline's results for schema_statements(readiness); statement 0 must have
// succeeded (the caller treats its failure as a connection problem).
SchemaVerdict judge_schema(const config::ReadinessSection& readiness,
                           const std::vector<PgResultPtr>& results, std::string_view secret);

}  // namespace opsagent::probes
