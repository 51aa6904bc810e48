#include "probes/postgres/job_reads.hpp"

#include <libpq-fe.h>

#include <algorithm>

#include "probes/postgres/job_query.hpp"
#include "probes/postgres/transaction_scope.hpp"

namespace opsagent::probes {

void JobReads::sync(const std::vector<config::JobWatch>& jobs) {
  std::vector<Entry> next;
  next.reserve(jobs.size());
  for (const auto& watch : jobs) {
    const auto old = std::ranges::find_if(
        entries_, [&](const Entry& e) { return e.watch.name == watch.name; });
    if (old != entries_.end() && old->watch == watch) {
      next.push_back(std::move(*old));
      continue;
    }
    Entry fresh;  // new, or changed: read at once
    fresh.watch = watch;
    fresh.report.name = watch.name;
    fresh.report.job_name = watch.job_name;
    next.push_back(std::move(fresh));
  }
  entries_ = std::move(next);
}

bool JobReads::read_due(const config::Config& config, PgConnection& connection,
                        Deadline deadline, std::string_view secret) {
  const auto now = SteadyClock::now();
  std::vector<Entry*> due;
  std::vector<PipelineStatement> statements;
  for (auto& e : entries_) {
    if (e.read && now < e.next_due) continue;
    due.push_back(&e);
    for (auto& s : scoped_segment(config.database, job_statements(e.watch, config.readiness),
                                  true)) {
      statements.push_back(std::move(s));
    }
  }
  if (due.empty()) return true;
  // One segment a job: settings, search_path and time zone, the query, ROLLBACK.
  constexpr std::size_t kPerJob = 4;
  constexpr std::size_t kQuery = 2;
  auto results = connection.run_pipeline(
      statements, std::min(deadline, SteadyClock::now() + config.statement_deadline()));
  const auto read_at = SteadyClock::now();
  for (std::size_t i = 0; i < due.size(); ++i) {
    Entry& e = *due[i];
    e.read = true;
    e.next_due = read_at + e.watch.interval;
    e.report.read_error.clear();
    e.report.read_error_class = ErrorClass::none;
    if (!results) {
      e.report.read_error = results.error().message;
      e.report.read_error_class = results.error().error;
      continue;
    }
    const pg_result* query = (*results)[i * kPerJob + kQuery].get();
    if (PQresultStatus(query) != PGRES_TUPLES_OK) {
      // The settings may have failed instead (then the query was skipped): report the first.
      const pg_result* first = query;
      for (std::size_t k = 0; k < kQuery; ++k) {
        const pg_result* r = (*results)[i * kPerJob + k].get();
        if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
          first = r;
          break;
        }
      }
      const auto failure = statement_failure(first, secret);
      e.report.read_error = failure.message;
      e.report.read_error_class = failure.error;
      continue;
    }
    if (auto ok = read_job_row(query, e.report); !ok) {
      e.report.read_error = ok.error();
      e.report.read_error_class = ErrorClass::bad_result;
    } else {
      e.report.read_at = read_at;
    }
  }
  return results.has_value();
}

void JobReads::miss_due(const ProbeFailure& failure) {
  const auto now = SteadyClock::now();
  for (auto& e : entries_) {
    if (e.read && now < e.next_due) continue;
    e.read = true;
    e.report.read_error = failure.message;
    e.report.read_error_class = failure.error;
  }
}

std::vector<JobReport> JobReads::reports() const {
  std::vector<JobReport> out;
  for (const auto& e : entries_) {
    if (e.read) out.push_back(e.report);
  }
  return out;
}

std::vector<CheckResult> JobReads::checks(SteadyClock::time_point now) const {
  std::vector<CheckResult> out;
  for (const auto& e : entries_) {
    if (e.read) out.push_back(judge_job(e.report, e.watch, now));
  }
  return out;
}

}  // namespace opsagent::probes
