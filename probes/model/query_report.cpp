#include "probes/model/query_report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace opsagent::probes {

const QueryColumn* QueryReport::column(const std::string& name) const {
  const auto it = std::ranges::find(columns, name, &QueryColumn::name);
  return it == columns.end() ? nullptr : &*it;
}

std::vector<ThresholdVerdict> judge_thresholds(const QueryReport& report,
                                               const config::CustomQuery& query) {
  std::vector<ThresholdVerdict> out;
  for (const auto& t : query.thresholds) {
    ThresholdVerdict v{
        .threshold = &t, .value = std::nullopt, .level = QueryLevel::ok, .missing = false};
    const auto* c = report.column(t.column);
    if (c == nullptr || !c->value) {
      v.missing = true;
      out.push_back(v);
      continue;
    }
    v.value = c->value;
    const auto reached = [&](const std::optional<double>& level) {
      return level && (t.below ? *c->value <= *level : *c->value >= *level);
    };
    if (reached(t.critical)) {
      v.level = QueryLevel::critical;
    } else if (reached(t.warn)) {
      v.level = QueryLevel::warn;
    }
    out.push_back(v);
  }
  return out;
}

std::string format_query_value(double value) {
  // Six significant digits keep a value next to its threshold honest (999.5 is not 1000); from
  // 100000 up, whole numbers (an age of 172800.5 s, not 1.728e+05).
  if (std::fabs(value) < 1e15 && (value == std::trunc(value) || std::fabs(value) >= 1e5)) {
    return fmt::format("{}", std::llround(value));
  }
  return fmt::format("{:.6g}", value);
}

std::string describe(const ThresholdVerdict& v) {
  const auto& t = *v.threshold;
  if (v.missing) return t.column + " is not in the row (or is NULL)";
  const char* op = t.below ? "<=" : ">=";
  if (v.level == QueryLevel::critical) {
    return fmt::format("{} {} {} critical {}", t.column, format_query_value(*v.value), op,
                       format_query_value(*t.critical));
  }
  if (v.level == QueryLevel::warn) {
    return fmt::format("{} {} {} warn {}", t.column, format_query_value(*v.value), op,
                       format_query_value(*t.warn));
  }
  return fmt::format("{} {}", t.column, format_query_value(*v.value));
}

CheckResult judge_query(const QueryReport& report, const config::CustomQuery& query) {
  CheckResult c;
  c.name.append("query:").append(query.name);
  c.gates_readiness = query.gates_readiness;
  if (!report.read_error.empty()) {
    c.status = query.gates_readiness ? CheckStatus::fail : CheckStatus::warn;
    c.error = report.read_error_class;
    c.message = "the query failed: " + report.read_error;
    return c;
  }
  std::vector<std::string> problems;
  QueryLevel worst = QueryLevel::ok;
  bool missing = false;
  for (const auto& v : judge_thresholds(report, query)) {
    if (v.missing) missing = true;
    if (v.missing || v.level != QueryLevel::ok) problems.push_back(describe(v));
    worst = std::max(worst, v.level);
  }
  std::string values;
  for (const auto& col : report.columns) {
    if (!values.empty()) values += ", ";
    values += col.name + " " + (col.value ? format_query_value(*col.value) : "NULL");
  }
  c.message = problems.empty() ? values : fmt::format("{}", fmt::join(problems, "; "));
  if (!problems.empty() && !values.empty()) c.message += " (" + values + ")";
  if (worst == QueryLevel::critical) {
    c.status = CheckStatus::fail;
    c.error = ErrorClass::query_threshold;
  } else if (worst == QueryLevel::warn || missing) {
    c.status = CheckStatus::warn;
    c.error = missing ? ErrorClass::bad_result : ErrorClass::query_threshold;
  } else {
    c.status = CheckStatus::pass;
  }
  return c;
}

}  // namespace opsagent::probes
