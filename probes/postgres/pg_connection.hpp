// One libpq connection whose every operation ends by a deadline, whatever the server does:
// connecting (name lookup, TCP, TLS, auth) and pipelined statements. A server that accepts TCP
// and never answers, or a postmaster frozen with SIGSTOP, costs at most the deadline.
// Thread-safety: a PgConnection is used by one thread at a time (the probe loop).
#pragma once

#include <chrono>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "probes/postgres/pg_error.hpp"

struct pg_conn;
struct pg_result;

namespace opsagent::probes {

// Where and how to connect: the DSN's own parameters plus the agent's (application_name,
// keepalives, timeouts). Built once per DSN/config; holds the password only to scrub messages.
struct ConnectionTarget {
  std::vector<std::pair<std::string, std::string>> params;
  std::string password;
  std::string display;       // "user@host:port/dbname": safe to log
  std::string database;      // dbname (libpq's default: the user name); a pooler's pool name
  std::string resolve_host;  // a single host name the agent resolves itself under the deadline
  config::DatabaseSection settings;
  bool operator==(const ConnectionTarget&) const = default;
};

// Never echoes the DSN in the error: a malformed URL may carry the password anywhere.
std::expected<ConnectionTarget, PgFailure> make_connection_target(
    std::string_view dsn, const config::DatabaseSection& settings);

struct PgResultDeleter {
  void operator()(pg_result* r) const;
};
using PgResultPtr = std::unique_ptr<pg_result, PgResultDeleter>;

// One statement of a pipeline. `params` are sent as text; nullopt is SQL NULL.
struct PipelineStatement {
  std::string sql;
  std::vector<std::optional<std::string>> params;
  bool sync_after = false;  // ends an implicit transaction; an error skips only up to here
  // Run as a named prepared statement of this connection: prepared (in the same round trip) the
  // first time the connection sees this SQL text, then only executed, so the server stops
  // parsing and planning it every cycle. Only on a session the agent owns: behind PgBouncer a
  // named statement would outlive the transaction on a server connection the app gets next.
  bool prepared = false;
  bool operator==(const PipelineStatement&) const = default;
};

class PgConnection {
 public:
  PgConnection(PgConnection&& other) noexcept;
  PgConnection& operator=(PgConnection&& other) noexcept;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  // Closes without waiting: the socket is non-blocking, so a frozen server cannot stall it.
  ~PgConnection();

  // Connects and leaves the session exactly as the server (or pooler) set it up: behind a
  // transaction-pooling PgBouncer the session is a server connection the app uses next, so
  // every setting the agent needs travels inside its own statements' transactions
  // (probes/transaction_scope.hpp), never as session state.
  static std::expected<PgConnection, PgFailure> open(const ConnectionTarget& target,
                                                     Deadline deadline);

  // Sends all statements in one pipeline (one round trip) and returns one result per statement,
  // in order. A statement skipped after an earlier error in its sync segment gets a
  // PGRES_PIPELINE_ABORTED result. On a PgFailure the connection is unusable: drop it.
  // A `prepared` statement whose text this connection has not prepared yet is prepared just
  // before it (a failed Parse is that statement's result).
  std::expected<std::vector<PgResultPtr>, PgFailure> run_pipeline(
      const std::vector<PipelineStatement>& statements, Deadline deadline);

  // Runs one statement with the simple query protocol, outside pipeline mode: PgBouncer's admin
  // console speaks nothing else. Returns its last result (an error result included).
  std::expected<PgResultPtr, PgFailure> run_simple(const std::string& sql, Deadline deadline);

  std::string server_version() const;  // "15.18"
  // The process id the server (or a pooler standing in for it) announced at connect. A pooler
  // hands out its own key, so it differs from pg_backend_pid() behind PgBouncer.
  int announced_pid() const;

 private:
  PgConnection(pg_conn* conn, std::string password);
  PgFailure connection_failure(ErrorClass fallback) const;
  // Sends what libpq has buffered / waits until a whole result is in, both by the deadline.
  std::optional<PgFailure> flush_all(Deadline deadline);
  std::optional<PgFailure> await_result(Deadline deadline);

  pg_conn* conn_ = nullptr;
  std::string password_;
  // SQL text -> the name it is prepared under on this session ("opsagent_1", ...). A changed
  // text gets a new name; a new connection starts with nothing prepared.
  std::map<std::string, std::string, std::less<>> prepared_;
};

// The error of a failed statement result, classified by SQLSTATE.
PgFailure statement_failure(const pg_result* result, std::string_view secret);

}  // namespace opsagent::probes
