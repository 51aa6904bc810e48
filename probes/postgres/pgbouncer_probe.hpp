// The PgBouncer probe: each cycle, SHOW POOLS, SHOW DATABASES and SHOW CONFIG on the admin
// console ([pgbouncer] dsn_env), over one persistent connection with the cycle's deadline. The
// admin console speaks only the simple query protocol and answers even while every pool is
// full, which is when it matters. Thread-safety: not thread-safe; driven by the probe loop.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "probes/model/pgbouncer_model.hpp"
#include "probes/postgres/pg_connection.hpp"

namespace opsagent::probes {

struct PgBouncerCycle {
  std::optional<PgBouncerSnapshot> snapshot;  // absent when the console could not be read
  CheckResult check;                          // "pgbouncer:pools"
};

class PgBouncerProbe {
 public:
  // `dsn` is the value of pgbouncer.dsn_env; nullopt when unset. Call only when
  // config.pgbouncer.enabled().
  PgBouncerCycle run(const config::Config& config, const std::optional<std::string>& dsn,
                     Deadline deadline);

 private:
  std::optional<ConnectionTarget> target_;
  std::optional<PgConnection> connection_;
};

// Reads SHOW POOLS / SHOW DATABASES / SHOW CONFIG results (by column name, so columns added by
// later PgBouncer versions do no harm). Exposed for tests.
std::expected<PgBouncerSnapshot, std::string> read_pgbouncer(const pg_result* pools,
                                                             const pg_result* databases,
                                                             const pg_result* settings);

}  // namespace opsagent::probes
