#include "probes/postgres/pgbouncer_probe.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace opsagent::probes {

namespace {

constexpr std::string_view kAdminDatabase = "pgbouncer";

int column(const PGresult* r, const char* name) {
  return PQfnumber(r, name);
}

std::string text_at(const PGresult* r, int row, int col) {
  if (col < 0 || PQgetisnull(r, row, col)) return {};
  return PQgetvalue(r, row, col);
}

long long integer_at(const PGresult* r, int row, int col) {
  const std::string text = text_at(r, row, col);
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size() ? value : 0;
}

int int_at(const PGresult* r, int row, const char* name) {
  return static_cast<int>(integer_at(r, row, column(r, name)));
}

CheckResult failed_check(const PgFailure& f) {
  CheckResult c;
  c.name = "pgbouncer:pools";
  c.status = CheckStatus::fail;
  c.gates_readiness = false;  // the pooler's console being unreadable is not an outage
  c.error = f.error;
  c.message = "could not read PgBouncer's admin console: " + f.message;
  return c;
}

}  // namespace

std::expected<PgBouncerSnapshot, std::string> read_pgbouncer(const pg_result* pools,
                                                             const pg_result* databases,
                                                             const pg_result* settings) {
  for (const auto* r : {pools, databases, settings}) {
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      return std::unexpected(std::string("a SHOW command failed: ") +
                             sanitize_message(PQresultErrorMessage(r), ""));
    }
  }
  if (column(pools, "cl_waiting") < 0 || column(pools, "database") < 0 ||
      column(databases, "pool_size") < 0 || column(settings, "key") < 0 ||
      column(settings, "value") < 0) {
    return std::unexpected(std::string(
        "the admin console's answers lack the expected columns (is this PgBouncer's admin "
        "database \"pgbouncer\"?)"));
  }
  PgBouncerSnapshot s;
  const int key = column(settings, "key");
  const int value = column(settings, "value");
  for (int i = 0; i < PQntuples(settings); ++i) {
    const std::string k = text_at(settings, i, key);
    if (k == "max_client_conn")
      s.max_client_conn = static_cast<int>(integer_at(settings, i, value));
    if (k == "default_pool_size")
      s.default_pool_size = static_cast<int>(integer_at(settings, i, value));
    if (k == "reserve_pool_size")
      s.reserve_pool_size = static_cast<int>(integer_at(settings, i, value));
    if (k == "max_db_connections")
      s.max_db_connections = static_cast<int>(integer_at(settings, i, value));
    if (k == "pool_mode") s.pool_mode = text_at(settings, i, value);
  }
  for (int i = 0; i < PQntuples(databases); ++i) {
    PgBouncerDatabase db;
    db.name = text_at(databases, i, column(databases, "name"));
    if (db.name == kAdminDatabase) continue;
    db.pool_size = int_at(databases, i, "pool_size");
    db.reserve_pool = int_at(databases, i, "reserve_pool");
    db.max_connections = int_at(databases, i, "max_connections");
    db.current_connections = int_at(databases, i, "current_connections");
    db.pool_mode = text_at(databases, i, column(databases, "pool_mode"));
    s.databases.push_back(std::move(db));
  }
  for (int i = 0; i < PQntuples(pools); ++i) {
    PgBouncerPool p;
    p.database = text_at(pools, i, column(pools, "database"));
    if (p.database == kAdminDatabase) continue;
    p.user = text_at(pools, i, column(pools, "user"));
    p.pool_mode = text_at(pools, i, column(pools, "pool_mode"));
    p.cl_active = int_at(pools, i, "cl_active");
    p.cl_waiting = int_at(pools, i, "cl_waiting");
    p.sv_active = int_at(pools, i, "sv_active");
    p.sv_idle = int_at(pools, i, "sv_idle");
    p.sv_used = int_at(pools, i, "sv_used");
    p.sv_tested = int_at(pools, i, "sv_tested");
    p.sv_login = int_at(pools, i, "sv_login");
    p.maxwait_s = static_cast<double>(int_at(pools, i, "maxwait")) +
                  static_cast<double>(int_at(pools, i, "maxwait_us")) / 1e6;
    for (const auto& db : s.databases) {
      if (db.name != p.database) continue;
      p.pool_size = db.pool_size;
      p.reserve_pool = db.reserve_pool;
      if (p.pool_mode.empty()) p.pool_mode = db.pool_mode;
    }
    if (p.pool_mode.empty()) p.pool_mode = s.pool_mode;
    s.pools.push_back(std::move(p));
  }
  return s;
}

PgBouncerCycle PgBouncerProbe::run(const config::Config& config,
                                   const std::optional<std::string>& dsn, Deadline deadline) {
  PgBouncerCycle out;
  auto fail = [&](const PgFailure& f) {
    connection_.reset();
    out.check = failed_check(f);
    return out;
  };
  if (!dsn || dsn->empty()) {
    return fail({ErrorClass::config, "environment variable " + config.pgbouncer.dsn_env +
                                         " is not set; set it to the admin console's URL "
                                         "(database pgbouncer)"});
  }
  config::DatabaseSection settings = config.database;
  settings.dsn_env = config.pgbouncer.dsn_env;
  auto target = make_connection_target(*dsn, settings);
  if (!target) return fail(target.error());
  if (!target_ || *target_ != *target) {
    connection_.reset();
    target_ = std::move(*target);
  }
  for (bool retry_allowed = connection_.has_value();; retry_allowed = false) {
    if (!connection_) {
      auto opened = PgConnection::open(
          *target_, std::min(deadline, SteadyClock::now() + config.database.connect_timeout));
      if (!opened) return fail(opened.error());
      connection_ = std::move(*opened);
    }
    std::vector<PgResultPtr> results;
    std::optional<PgFailure> failure;
    for (const char* command : {"SHOW POOLS", "SHOW DATABASES", "SHOW CONFIG"}) {
      auto r = connection_->run_simple(command, deadline);
      if (!r) {
        failure = r.error();
        break;
      }
      results.push_back(std::move(*r));
    }
    if (failure) {
      // One dead socket (PgBouncer restarted) gets one immediate reconnect.
      if (retry_allowed && failure->error == ErrorClass::connection_lost) {
        connection_.reset();
        continue;
      }
      return fail(*failure);
    }
    auto snapshot = read_pgbouncer(results[0].get(), results[1].get(), results[2].get());
    if (!snapshot) return fail({ErrorClass::bad_result, snapshot.error()});
    out.check = pgbouncer_check(*snapshot, config);
    out.snapshot = std::move(*snapshot);
    return out;
  }
}

}  // namespace opsagent::probes
