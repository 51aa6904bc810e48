// What the agent last read from one [[queries]] entry (one row of named numeric columns), and
// the verdict of its thresholds on it.
// Thread-safety: plain values and pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "probes/model/check_result.hpp"

namespace opsagent::probes {

struct QueryColumn {
  std::string name;
  std::optional<double> value;  // nullopt: NULL
  bool operator==(const QueryColumn&) const = default;
};

struct QueryReport {
  std::string name;  // the query's name ("query:<name>" is its check)
  // When the query last ran successfully; `columns` are as of then (a failed run keeps them).
  // The epoch: never.
  SteadyClock::time_point read_at{};
  std::string read_error;  // why the last run failed; empty when it worked
  ErrorClass read_error_class = ErrorClass::none;
  std::vector<QueryColumn> columns;  // in the row's order

  static constexpr std::size_t kMaxColumns = 32;
  const QueryColumn* column(const std::string& name) const;
};

enum class QueryLevel { ok, warn, critical };

// One threshold against the latest row: the level reached, or `missing` when the column is not
// in the row (or is NULL).
struct ThresholdVerdict {
  const config::QueryThreshold* threshold = nullptr;
  std::optional<double> value;
  QueryLevel level = QueryLevel::ok;
  bool missing = false;
};

std::vector<ThresholdVerdict> judge_thresholds(const QueryReport& report,
                                               const config::CustomQuery& query);

// "999.5", "3600", "0.0123457", "172801": numbers as people read them in messages and views.
std::string format_query_value(double value);
// "p95_ms 1840 >= warn 1000".
std::string describe(const ThresholdVerdict& v);

// The check "query:<name>": warn at a warn level (or a threshold's column missing), fail at a
// critical level, like the pool's; a failed query is a warn, or a fail when the query gates
// readiness. It makes the agent not ready only with gates_readiness.
CheckResult judge_query(const QueryReport& report, const config::CustomQuery& query);

}  // namespace opsagent::probes
