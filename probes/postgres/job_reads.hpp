// The [[jobs]] reads of the probe cycle: each job's table is read when its interval has passed
// (never every cycle), on the cycle's connection, in a read-only segment of its own, and the
// latest report is kept between reads. A job whose entry changed is read again at once.
// Thread-safety: not thread-safe; owned by PostgresProbe (the probe loop's thread).
#pragma once

#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "probes/model/job_report.hpp"
#include "probes/postgres/pg_connection.hpp"

namespace opsagent::probes {

class JobReads {
 public:
  // Forgets the jobs no longer configured; keeps (or starts) one entry per configured job.
  void sync(const std::vector<config::JobWatch>& jobs);
  // Reads every due job on `connection` by `deadline`. False when the connection failed (its
  // state is then unknown: the caller drops it); the due jobs then report that failure.
  bool read_due(const config::Config& config, PgConnection& connection, Deadline deadline,
                std::string_view secret);
  // The jobs that were due but not read (the cycle failed before their turn) report `failure`
  // and stay due, so that they are read in the first cycle that reaches the database again.
  void miss_due(const ProbeFailure& failure);
  // The latest report of every configured job, in config order, and their checks as of `now`.
  std::vector<JobReport> reports() const;
  std::vector<CheckResult> checks(SteadyClock::time_point now) const;

 private:
  struct Entry {
    config::JobWatch watch;
    JobReport report;
    bool read = false;  // has been read (or tried) at least once
    SteadyClock::time_point next_due{};
  };
  std::vector<Entry> entries_;
};

}  // namespace opsagent::probes
