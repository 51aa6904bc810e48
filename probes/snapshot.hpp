// The result of one probe cycle. A Snapshot is built by the probe loop, published once, and never
// modified afterwards: HTTP handlers and alert rules read it without locks.
// Thread-safety: immutable after publication; share as std::shared_ptr<const Snapshot>.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace opsagent::probes {

// Why something failed, as a stable word for users, logs and metrics. Raw libpq / server text
// is never shown in its place (it can echo connection details).
enum class ErrorClass {
  none,
  config,                // e.g. the DSN environment variable is unset or unparsable
  dns,                   // host name does not resolve
  refused,               // nothing listens on the port
  timeout,               // connect, statement or client-side deadline expired
  auth,                  // authentication failed / no pg_hba.conf entry
  too_many_connections,  // SQLSTATE 53300 or reserved slots only
  database_missing,      // the database named in the DSN does not exist
  starting_up,           // the server is starting, shutting down or in recovery
  tls,                   // SSL negotiation failed
  connection_lost,       // the persistent connection broke mid-cycle
  lock_timeout,          // a lock could not be taken within lock_timeout
  read_only_violation,   // a marker query tried to write
  query_error,           // a marker query is invalid SQL or failed
  bad_result,            // a marker query did not return a single boolean
  missing_tables,        // expected tables are absent
  missing_markers,       // migration markers are absent
  unknown,
};

std::string_view to_string(ErrorClass c);

enum class CheckStatus { pass, warn, fail };
std::string_view to_string(CheckStatus s);

// One named check of a cycle: "postgres:connection", "postgres:fresh_connect",
// "schema:tables", "schema:migrations".
struct CheckResult {
  std::string name;
  CheckStatus status = CheckStatus::fail;
  ErrorClass error = ErrorClass::none;
  std::string message;               // one line for people; never holds a secret
  std::vector<std::string> missing;  // names of missing tables or markers
  std::chrono::microseconds duration{0};
  bool gates_readiness = true;  // false: reported, but never makes the agent not ready
};

struct Snapshot {
  std::uint64_t sequence = 0;                       // 1 for the first published cycle
  std::chrono::system_clock::time_point taken_at;   // wall clock, for display
  std::chrono::steady_clock::time_point completed;  // for staleness
  std::chrono::microseconds duration{0};            // the whole cycle
  std::string server_version;                       // "15.18", empty until known
  std::vector<CheckResult> checks;

  // The first failing readiness-gating check, or nullptr when all pass.
  const CheckResult* first_failure() const;
  bool has_warnings() const;
};

}  // namespace opsagent::probes
