// Reads of the app's own tables that run at each entry's own interval ([[jobs]], [[queries]]),
// never every probe cycle: the due entries are read after the cycle's own statements, on the
// cycle's connection, each in a read-only segment of its own that ends in ROLLBACK (so nothing
// stays set on a connection a pooler may hand to the app), and the latest report of each entry
// is kept between reads. An entry whose config changed is read again at once.
//
// `Kind` says what one entry is:
//   using Watch = ...;   its config (has `name`, `interval`, operator==)
//   using Report = ...;  what a read found (has `read_at`, `read_error`, `read_error_class`)
//   static Report fresh(const Watch&);
//   static std::vector<PipelineStatement> statements(const Watch&, const config::Config&);
//       the segment's body; its last statement's result is the one read
//   static std::expected<void, std::string> read(const pg_result*, Report&);
//   static CheckResult judge(const Report&, const Watch&, SteadyClock::time_point now);
// Thread-safety: not thread-safe; owned by PostgresProbe (the probe loop's thread).
#pragma once

#include <libpq-fe.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "probes/model/check_result.hpp"
#include "probes/postgres/pg_connection.hpp"
#include "probes/postgres/transaction_scope.hpp"

namespace opsagent::probes {

// The app's search_path (readiness.search_path) and UTC as the time zone, for the transaction of
// a segment only: the app's unqualified table names resolve as the app's do, and timestamps
// without a time zone read as UTC.
PipelineStatement app_settings_statement(const config::ReadinessSection& readiness);

// The failure of a segment whose last statement did not return rows: the first statement of
// the segment that failed (a failed setting skips the rest), as one message without `secret`.
ProbeFailure segment_failure(const std::vector<PgResultPtr>& results, std::size_t first,
                             std::size_t count, std::string_view secret);

template <class Kind>
class ScheduledReads {
 public:
  using Watch = typename Kind::Watch;
  using Report = typename Kind::Report;

  // Forgets the entries no longer configured; keeps (or starts) one per configured entry.
  void sync(const std::vector<Watch>& watches) {
    std::vector<Entry> next;
    next.reserve(watches.size());
    for (const auto& watch : watches) {
      const auto old = std::ranges::find_if(
          entries_, [&](const Entry& e) { return e.watch.name == watch.name; });
      if (old != entries_.end() && old->watch == watch) {
        next.push_back(std::move(*old));
      } else {
        next.push_back(Entry{watch, Kind::fresh(watch), false, {}});  // new or changed: read now
      }
    }
    entries_ = std::move(next);
  }

  // Reads every due entry on `connection` by `deadline`. False when the connection failed (its
  // state is then unknown: the caller drops it); the due entries then report that failure.
  bool read_due(const config::Config& config, PgConnection& connection, Deadline deadline,
                std::string_view secret) {
    const auto now = SteadyClock::now();
    std::vector<Entry*> due;
    std::vector<std::size_t> starts;  // each due entry's first statement
    std::vector<PipelineStatement> statements;
    for (auto& e : entries_) {
      if (e.read && now < e.next_due) continue;
      due.push_back(&e);
      starts.push_back(statements.size());
      for (auto& s : scoped_segment(config.database, Kind::statements(e.watch, config), true)) {
        statements.push_back(std::move(s));
      }
    }
    if (due.empty()) return true;
    starts.push_back(statements.size());
    auto results = connection.run_pipeline(
        statements, std::min(deadline, SteadyClock::now() + config.statement_deadline()));
    const auto read_at = SteadyClock::now();
    for (std::size_t i = 0; i < due.size(); ++i) {
      Entry& e = *due[i];
      e.read = true;
      e.next_due = read_at + e.watch.interval;
      auto& r = e.report;
      if (!results) {
        set_error(r, results.error());
        continue;
      }
      // The segment: settings, the body, ROLLBACK; the body's last statement is the one read.
      const std::size_t count = starts[i + 1] - starts[i];
      const pg_result* last = (*results)[starts[i] + count - 2].get();
      if (PQresultStatus(last) != PGRES_TUPLES_OK) {
        set_error(r, segment_failure(*results, starts[i], count - 1, secret));
      } else if (auto ok = Kind::read(last, r); !ok) {
        set_error(r, ProbeFailure{ErrorClass::bad_result, ok.error()});
      } else {
        r.read_error.clear();
        r.read_error_class = ErrorClass::none;
        r.read_at = read_at;
      }
    }
    return results.has_value();
  }

  // The entries that were due but not read (the cycle failed before their turn) report
  // `failure` and stay due, so that they are read in the first cycle that reaches the database.
  void miss_due(const ProbeFailure& failure) {
    const auto now = SteadyClock::now();
    for (auto& e : entries_) {
      if (e.read && now < e.next_due) continue;
      e.read = true;
      set_error(e.report, failure);
    }
  }

  // The latest report of every entry tried at least once, in config order, and their checks
  // as of `now`.
  std::vector<Report> reports() const {
    std::vector<Report> out;
    for (const auto& e : entries_) {
      if (e.read) out.push_back(e.report);
    }
    return out;
  }
  std::vector<CheckResult> checks(SteadyClock::time_point now) const {
    std::vector<CheckResult> out;
    for (const auto& e : entries_) {
      if (e.read) out.push_back(Kind::judge(e.report, e.watch, now));
    }
    return out;
  }

 private:
  struct Entry {
    Watch watch;
    Report report;
    bool read = false;  // has been read (or tried) at least once
    SteadyClock::time_point next_due{};
  };

  // A failed read keeps what the last good one found (and its read_at, so ages stay right).
  static void set_error(Report& r, const ProbeFailure& failure) {
    r.read_error = failure.message;
    r.read_error_class = failure.error;
  }

  std::vector<Entry> entries_;
};

}  // namespace opsagent::probes
