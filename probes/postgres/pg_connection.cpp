#include "probes/postgres/pg_connection.hpp"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "config/syntax/duration.hpp"
#include "probes/net/name_resolver.hpp"
#include "probes/postgres/dsn_shape.hpp"

namespace opsagent::probes {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

bool is_numeric_address(const std::string& host) {
  in6_addr buf{};
  return inet_pton(AF_INET, host.c_str(), &buf) == 1 ||
         inet_pton(AF_INET6, host.c_str(), &buf) == 1;
}

void set_param(std::vector<std::pair<std::string, std::string>>& params, const std::string& key,
               std::string value) {
  auto it = std::ranges::find(params, key, &std::pair<std::string, std::string>::first);
  if (it != params.end()) {
    it->second = std::move(value);
  } else {
    params.emplace_back(key, std::move(value));
  }
}

std::string get_param(const std::vector<std::pair<std::string, std::string>>& params,
                      const std::string& key) {
  auto it = std::ranges::find(params, key, &std::pair<std::string, std::string>::first);
  return it == params.end() ? std::string{} : it->second;
}

enum class WaitResult { ready, timeout, error };

// Waits for `events` on `fd` until the deadline, retrying on EINTR.
WaitResult wait_socket(int fd, short events, Deadline deadline) {
  for (;;) {
    auto left = duration_cast<milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return WaitResult::timeout;
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, static_cast<int>(std::min<milliseconds::rep>(left.count() + 1, 60'000)));
    if (rc > 0) return WaitResult::ready;
    if (rc < 0 && errno != EINTR) return WaitResult::error;
  }
}

void ignore_notice(void*, const char*) {}

PgFailure deadline_failure() {
  return PgFailure{ErrorClass::timeout, "the server did not answer before the probe deadline"};
}

}  // namespace

void PgResultDeleter::operator()(pg_result* r) const {
  PQclear(r);
}

std::expected<ConnectionTarget, PgFailure> make_connection_target(
    std::string_view dsn, const config::DatabaseSection& settings) {
  if (auto shape = check_dsn_shape(dsn, settings.dsn_env); !shape) {
    return std::unexpected(PgFailure{ErrorClass::config, shape.error()});
  }
  char* err = nullptr;
  std::string dsn_text(dsn);
  PQconninfoOption* options = PQconninfoParse(dsn_text.c_str(), &err);
  if (options == nullptr) {
    PQfreemem(err);  // libpq's text may quote the malformed part, password included
    return std::unexpected(
        PgFailure{ErrorClass::config, "the database URL in $" + settings.dsn_env +
                                          " is not a valid libpq URI or key=value string; check "
                                          "its syntax and percent-encoding"});
  }
  ConnectionTarget target;
  target.settings = settings;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr && *o->val != '\0') target.params.emplace_back(o->keyword, o->val);
  }
  PQconninfoFree(options);

  target.password = get_param(target.params, "password");
  const auto connect_s = std::max<long>(2, (settings.connect_timeout.count() + 999) / 1000);
  const auto user_timeout = settings.connect_timeout + settings.statement_timeout;
  set_param(target.params, "application_name", settings.application_name);
  set_param(target.params, "connect_timeout", std::to_string(connect_s));  // backstop only
  set_param(target.params, "keepalives", "1");
  set_param(target.params, "keepalives_idle", "10");
  set_param(target.params, "keepalives_interval", "5");
  set_param(target.params, "keepalives_count", "3");
  set_param(target.params, "tcp_user_timeout", std::to_string(user_timeout.count()));

  const std::string host = get_param(target.params, "host");
  const std::string hostaddr = get_param(target.params, "hostaddr");
  if (!host.empty() && hostaddr.empty() && host.front() != '/' && host.front() != '@' &&
      host.find(',') == std::string::npos && !is_numeric_address(host)) {
    target.resolve_host = host;
  }
  std::string port = get_param(target.params, "port");
  std::string user = get_param(target.params, "user");
  std::string db = get_param(target.params, "dbname");
  target.database = db.empty() ? user : db;
  target.display =
      fmt::format("{}{}{}{}/{}", user.empty() ? "" : user + "@", host.empty() ? "localhost" : host,
                  port.empty() ? "" : ":", port, db.empty() ? user : db);
  return target;
}

PgConnection::PgConnection(pg_conn* conn, std::string password)
    : conn_(conn), password_(std::move(password)) {}

PgConnection::PgConnection(PgConnection&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)),
      password_(std::move(other.password_)),
      prepared_(std::move(other.prepared_)) {}

PgConnection& PgConnection::operator=(PgConnection&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = std::exchange(other.conn_, nullptr);
    password_ = std::move(other.password_);
    prepared_ = std::move(other.prepared_);
  }
  return *this;
}

PgConnection::~PgConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

PgFailure PgConnection::connection_failure(ErrorClass fallback) const {
  std::string message = sanitize_message(PQerrorMessage(conn_), password_);
  ErrorClass cls = classify_connect_message(message);
  return PgFailure{cls == ErrorClass::unknown ? fallback : cls, message};
}

std::expected<PgConnection, PgFailure> PgConnection::open(const ConnectionTarget& target,
                                                          Deadline deadline) {
  auto params = target.params;
  if (!target.resolve_host.empty()) {
    auto address = resolve_host(target.resolve_host, deadline);
    if (!address) return std::unexpected(address.error());
    set_param(params, "hostaddr", *address);
  }
  std::vector<const char*> keywords;
  std::vector<const char*> values;
  for (const auto& [k, v] : params) {
    keywords.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);

  PgConnection conn(PQconnectStartParams(keywords.data(), values.data(), 0), target.password);
  if (conn.conn_ == nullptr) {
    return std::unexpected(PgFailure{ErrorClass::unknown, "libpq could not allocate a connection"});
  }
  if (PQstatus(conn.conn_) == CONNECTION_BAD) {
    return std::unexpected(conn.connection_failure(ErrorClass::unknown));
  }
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) {
      return std::unexpected(conn.connection_failure(ErrorClass::unknown));
    }
    // The socket can change while libpq tries the next address or host.
    auto waited = wait_socket(PQsocket(conn.conn_),
                              state == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline);
    if (waited == WaitResult::timeout) {
      return std::unexpected(
          PgFailure{ErrorClass::timeout,
                    fmt::format("connecting to {} did not finish within {}", target.display,
                                config::format_duration(target.settings.connect_timeout))});
    }
    if (waited == WaitResult::error) {
      return std::unexpected(PgFailure{ErrorClass::unknown, "poll() failed while connecting"});
    }
    state = PQconnectPoll(conn.conn_);
  }
  PQsetNoticeProcessor(conn.conn_, ignore_notice, nullptr);
  if (PQsetnonblocking(conn.conn_, 1) != 0) {
    return std::unexpected(conn.connection_failure(ErrorClass::unknown));
  }

  return conn;
}

std::optional<PgFailure> PgConnection::flush_all(Deadline deadline) {
  // Reads while writing, so that a large pipeline cannot deadlock on full buffers.
  for (int rc = PQflush(conn_); rc != 0; rc = PQflush(conn_)) {
    if (rc < 0) return connection_failure(ErrorClass::connection_lost);
    auto waited = wait_socket(PQsocket(conn_), POLLIN | POLLOUT, deadline);
    if (waited == WaitResult::timeout) return deadline_failure();
    if (waited == WaitResult::error || PQconsumeInput(conn_) != 1) {
      return connection_failure(ErrorClass::connection_lost);
    }
  }
  return std::nullopt;
}

std::optional<PgFailure> PgConnection::await_result(Deadline deadline) {
  while (PQisBusy(conn_)) {
    auto waited = wait_socket(PQsocket(conn_), POLLIN, deadline);
    if (waited == WaitResult::timeout) return deadline_failure();
    if (waited == WaitResult::error || PQconsumeInput(conn_) != 1) {
      return connection_failure(ErrorClass::connection_lost);
    }
  }
  return std::nullopt;
}

std::expected<std::vector<PgResultPtr>, PgFailure> PgConnection::run_pipeline(
    const std::vector<PipelineStatement>& statements, Deadline deadline) {
  if (PQenterPipelineMode(conn_) != 1)
    return std::unexpected(connection_failure(ErrorClass::unknown));

  // Every command sent, in order: a statement, or the Parse of a statement not yet prepared.
  struct Command {
    std::size_t statement;
    bool is_prepare;
  };
  std::vector<Command> commands;
  commands.reserve(statements.size());
  // Names this pipeline prepares: registered once their Parse succeeded.
  std::map<std::string, std::string, std::less<>> preparing;
  int syncs = 0;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const auto& st = statements[i];
    std::vector<const char*> values;
    values.reserve(st.params.size());
    for (const auto& p : st.params) values.push_back(p ? p->c_str() : nullptr);
    const int n_params = static_cast<int>(values.size());
    int sent = 0;
    if (st.prepared) {
      std::string name;
      if (auto known = prepared_.find(st.sql); known != prepared_.end()) {
        name = known->second;
      } else if (auto pending = preparing.find(st.sql); pending != preparing.end()) {
        name = pending->second;
      } else {
        name = "opsagent_" + std::to_string(prepared_.size() + preparing.size() + 1);
        if (PQsendPrepare(conn_, name.c_str(), st.sql.c_str(), n_params, nullptr) != 1) {
          return std::unexpected(connection_failure(ErrorClass::connection_lost));
        }
        commands.push_back({i, true});
        preparing.emplace(st.sql, name);
      }
      sent = PQsendQueryPrepared(conn_, name.c_str(), n_params, values.data(), nullptr, nullptr, 0);
    } else {
      sent = PQsendQueryParams(conn_, st.sql.c_str(), n_params, nullptr, values.data(), nullptr,
                               nullptr, 0);
    }
    if (sent != 1) return std::unexpected(connection_failure(ErrorClass::connection_lost));
    commands.push_back({i, false});
    if (st.sync_after || i + 1 == statements.size()) {
      if (PQpipelineSync(conn_) != 1)
        return std::unexpected(connection_failure(ErrorClass::connection_lost));
      ++syncs;
    }
  }

  if (auto failed = flush_all(deadline)) return std::unexpected(std::move(*failed));

  std::vector<PgResultPtr> results(statements.size());
  std::vector<std::string> prepared_now;  // SQL texts whose Parse succeeded
  std::size_t current = 0;                // the command whose results are being read
  bool current_has_result = false;
  int syncs_seen = 0;
  int empty_in_a_row = 0;  // libpq alternates results and NULLs; more than two is a bug
  // A connection that breaks mid-pipeline is better explained by the error a statement got
  // just before (a pooler says why it closes: "transaction blocks not allowed in statement
  // pooling mode") than by libpq's "server closed the connection".
  auto lost = [&](PgFailure failure) {
    for (const auto& r : results) {
      if (r && PQresultStatus(r.get()) == PGRES_FATAL_ERROR) {
        auto earlier = statement_failure(r.get(), password_);
        earlier.error = failure.error;
        return earlier;
      }
    }
    return failure;
  };
  while (syncs_seen < syncs) {
    if (auto failed = await_result(deadline)) return std::unexpected(lost(std::move(*failed)));
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) {  // end of one command's results
      if (++empty_in_a_row > 2) {
        return std::unexpected(PgFailure{ErrorClass::unknown, "libpq pipeline out of step"});
      }
      if (current_has_result) {
        ++current;
        current_has_result = false;
      } else if (PQstatus(conn_) == CONNECTION_BAD) {
        return std::unexpected(lost(connection_failure(ErrorClass::connection_lost)));
      }
      continue;
    }
    empty_in_a_row = 0;
    PgResultPtr owned(r);
    const auto status = PQresultStatus(r);
    if (status == PGRES_PIPELINE_SYNC) {
      ++syncs_seen;
      continue;
    }
    if (status == PGRES_FATAL_ERROR && current >= commands.size()) {
      // An error outside any statement: the server is closing the connection (e.g. shutdown).
      return std::unexpected(statement_failure(r, password_));
    }
    if (current < commands.size() && !current_has_result) {
      const auto [index, is_prepare] = commands[current];
      if (!is_prepare) {
        // After a failed Parse the statement's own result (aborted) says less than the Parse's.
        if (!results[index]) results[index] = std::move(owned);
      } else if (status == PGRES_COMMAND_OK) {
        prepared_now.push_back(statements[index].sql);
      } else if (status == PGRES_FATAL_ERROR) {
        results[index] = std::move(owned);
      }
    }
    current_has_result = true;
  }
  if (PQexitPipelineMode(conn_) != 1)
    return std::unexpected(connection_failure(ErrorClass::connection_lost));
  for (auto& r : results) {
    if (!r)
      return std::unexpected(
          PgFailure{ErrorClass::connection_lost, "the server ended the pipeline early"});
  }
  for (auto& sql : prepared_now) {
    auto name = preparing.extract(sql);
    if (!name.empty()) prepared_.insert(std::move(name));
  }
  return results;
}

std::expected<PgResultPtr, PgFailure> PgConnection::run_simple(const std::string& sql,
                                                               Deadline deadline) {
  if (PQsendQuery(conn_, sql.c_str()) != 1) {
    return std::unexpected(connection_failure(ErrorClass::connection_lost));
  }
  if (auto failed = flush_all(deadline)) return std::unexpected(std::move(*failed));
  PgResultPtr last;
  for (;;) {
    if (auto failed = await_result(deadline)) return std::unexpected(std::move(*failed));
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) break;
    last.reset(r);
  }
  if (!last) return std::unexpected(connection_failure(ErrorClass::connection_lost));
  return last;
}

int PgConnection::announced_pid() const {
  return PQbackendPID(conn_);
}

std::string PgConnection::server_version() const {
  const char* v = PQparameterStatus(conn_, "server_version");
  if (v == nullptr) return {};
  std::string version(v);
  return version.substr(0, version.find(' '));
}

PgFailure statement_failure(const pg_result* result, std::string_view secret) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  std::string message = primary != nullptr ? primary : PQresultErrorMessage(result);
  ErrorClass error = classify_sqlstate(state != nullptr ? state : "");
  // PgBouncer reports its own refusals with protocol-violation SQLSTATEs (08P01): the text says
  // which.
  if (classify_connect_message(message) == ErrorClass::pooler_saturated) {
    error = ErrorClass::pooler_saturated;
  }
  return PgFailure{error, sanitize_message(message, secret)};
}

}  // namespace opsagent::probes
