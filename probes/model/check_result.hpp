// The result of one named check, and the words for why something failed. Used by every probe
// and by everything that renders their results. Thread-safety: plain values.
#pragma once

#include <chrono>
#include <optional>
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
  pooler_saturated,      // the pooler's queue is full: no server connection in time
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
  http_status,           // an HTTP check got an unexpected status code
  job_stale,             // a job's last success is older than its max_age (or there is none)
  job_failing,           // a job failed more often than max_failures within its window
  query_threshold,       // a custom query's column reached its warn or critical level
  cpu_high,              // the container's CPU use stayed above [container].cpu_warn
  memory_high,           // the container's memory use reached [container].memory_warn
  lock_queue,            // a lock queue's head waited locks.critical_after
  deploy_overlap,        // this deploy's pools and the running deployment's sessions overflow
  unknown,
};

std::string_view to_string(ErrorClass c);

enum class CheckStatus { pass, warn, fail };
std::string_view to_string(CheckStatus s);

// One named check of a cycle: "postgres:connection", "postgres:fresh_connect",
// "postgres:responseTime", "postgres:connections", "pool:budget", "schema:tables",
// "schema:migrations".
struct CheckResult {
  std::string name;
  CheckStatus status = CheckStatus::fail;
  ErrorClass error = ErrorClass::none;
  std::string message;               // one line for people; never holds a secret
  std::vector<std::string> missing;  // names of missing tables or markers
  std::chrono::microseconds duration{0};
  bool gates_readiness = true;  // false: reported, but never makes the agent not ready
  // What the check measured, when it is not its duration: e.g. 84.5 "%" for connections.
  std::optional<double> observed_value;
  std::string observed_unit;
};

// An expected failure of a probe's operation (name lookup, connect, statement, HTTP request),
// safe to log and to show.
struct ProbeFailure {
  ErrorClass error = ErrorClass::unknown;
  std::string message;
};

// A failure seen by a recent cycle, for the on-call's "last errors".
struct RecentError {
  std::chrono::system_clock::time_point at;  // when it was last seen
  std::string check;
  ErrorClass error = ErrorClass::none;
  std::string message;
  // When the check passed again: the error is past. nullopt: not seen passing since.
  std::optional<std::chrono::system_clock::time_point> cleared_at = std::nullopt;
};

}  // namespace opsagent::probes
