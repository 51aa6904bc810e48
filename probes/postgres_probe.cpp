#include "probes/postgres_probe.hpp"

#include <libpq-fe.h>

#include <algorithm>

#include <fmt/format.h>

#include "config/duration.hpp"
#include "probes/leadership.hpp"
#include "probes/schema_check.hpp"

namespace opsagent::probes {

namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;

CheckResult failed(std::string name, const PgFailure& f, microseconds took = {}) {
  CheckResult c;
  c.name = std::move(name);
  c.status = CheckStatus::fail;
  c.error = f.error;
  c.message = f.message;
  c.duration = took;
  return c;
}

CheckResult passed(std::string name, std::string message, microseconds took) {
  CheckResult c;
  c.name = std::move(name);
  c.status = CheckStatus::pass;
  c.message = std::move(message);
  c.duration = took;
  return c;
}

microseconds since(SteadyClock::time_point start) {
  return duration_cast<microseconds>(SteadyClock::now() - start);
}

std::string format_micros(microseconds us) {
  return us.count() < 10'000 ? fmt::format("{:.1f}ms", static_cast<double>(us.count()) / 1000)
                             : fmt::format("{}ms", us.count() / 1000);
}

constexpr const char* kConnection = "postgres:connection";

// pg_stat_activity unreadable: the on-call views lose detail, readiness does not suffer.
CheckResult warning_about_activity(const std::string& why, microseconds took) {
  CheckResult c =
      failed("postgres:connections",
             {ErrorClass::query_error, "could not read pg_stat_activity: " + why}, took);
  c.status = CheckStatus::warn;
  c.gates_readiness = false;
  return c;
}

// Slow answers warn before they time out: over half of statement_timeout.
CheckResult response_time_check(microseconds took, config::Duration statement_timeout) {
  CheckResult c =
      passed("postgres:responseTime", "the probe's round trip took " + format_micros(took), took);
  c.gates_readiness = false;
  c.observed_value = static_cast<double>(took.count()) / 1000.0;
  c.observed_unit = "ms";
  if (took > duration_cast<microseconds>(statement_timeout) / 2) {
    c.status = CheckStatus::warn;
    c.message += fmt::format(", over half of statement_timeout ({})",
                             config::format_duration(statement_timeout));
  }
  return c;
}
constexpr const char* kFreshConnect = "postgres:fresh_connect";

}  // namespace

std::optional<CheckResult> PostgresProbe::ensure_connected(const config::Config& config,
                                                           Deadline deadline) {
  if (connection_) return std::nullopt;
  const auto start = SteadyClock::now();
  auto opened =
      PgConnection::open(*target_, std::min(deadline, start + config.database.connect_timeout));
  last_fresh_connect_ = SteadyClock::now();
  if (!opened) {
    fresh_connect_.reset();  // the connection check already says it all
    return failed(kConnection, opened.error(), since(start));
  }
  connection_ = std::move(*opened);
  ++connection_generation_;
  server_version_ = connection_->server_version();
  fresh_connect_ = passed(
      kFreshConnect, "new connection accepted in " + format_micros(since(start)), since(start));
  return std::nullopt;
}

void PostgresProbe::maybe_fresh_connect(const config::Config& config, Deadline deadline) {
  const auto interval = config.database.fresh_connect_interval;
  const auto now = SteadyClock::now();
  if (interval.count() == 0 || now - last_fresh_connect_ < interval) return;
  // Too little time left would turn a healthy server into a false timeout: try next cycle.
  if (deadline - now < config.database.connect_timeout / 2) return;
  auto opened =
      PgConnection::open(*target_, std::min(deadline, now + config.database.connect_timeout));
  last_fresh_connect_ = SteadyClock::now();
  if (opened) {
    fresh_connect_ = passed(kFreshConnect,
                            "new connection accepted in " + format_micros(since(now)), since(now));
  } else {
    auto f = opened.error();
    f.message = "a new connection failed while the agent's own still works: " + f.message;
    fresh_connect_ = failed(kFreshConnect, f, since(now));
  }
}

ProbeCycle PostgresProbe::run(const config::Config& config, const std::optional<std::string>& dsn,
                              Deadline deadline) {
  ProbeCycle out;
  auto stop_with = [&](CheckResult c) {
    connection_.reset();
    out.checks.push_back(std::move(c));
    out.server_version = server_version_;
    return out;
  };
  if (!dsn || dsn->empty()) {
    return stop_with(
        failed(kConnection, {ErrorClass::config, "environment variable " + config.database.dsn_env +
                                                     " is not set; set it to the database URL"}));
  }
  auto target = make_connection_target(*dsn, config.database);
  if (!target) return stop_with(failed(kConnection, target.error()));
  if (!target_ || *target_ != *target) {  // new DSN or settings: start over
    connection_.reset();
    fresh_connect_.reset();
    target_ = std::move(*target);
  }

  auto schema_and_activity = schema_statements(config.readiness);
  schema_and_activity.push_back(activity_statement());  // after the schema's, whose indexes count
  const std::size_t activity_at = schema_and_activity.size() - 1;
  const bool want_leadership = config.alerts.enabled() && config.alerts.leader_election;
  // A reused connection that broke (server restart, failover, pooler restart) gets one
  // immediate reconnect, so one dead socket does not cost a whole interval of not-ready.
  for (bool retry_allowed = connection_.has_value();; retry_allowed = false) {
    if (auto failure = ensure_connected(config, deadline)) return stop_with(std::move(*failure));
    const auto start = SteadyClock::now();
    // The lock is held for the session's life: only a session that does not hold it asks.
    const bool holds_lock = leader_generation_ != 0 && leader_generation_ == connection_generation_;
    auto statements = schema_and_activity;
    if (want_leadership && !holds_lock) statements.push_back(leadership_statement());
    // An open connection's round trip has its own bound: a frozen server is noticed after
    // statement_timeout + grace, not after the whole cycle's connect + statement budget.
    auto results = connection_->run_pipeline(
        statements, std::min(deadline, start + config.statement_deadline()));
    if (!results) {
      if (retry_allowed && results.error().error == ErrorClass::connection_lost) {
        connection_.reset();
        continue;
      }
      return stop_with(failed(kConnection, results.error(), since(start)));
    }
    const auto took = since(start);
    if (PQresultStatus(results->front().get()) != PGRES_TUPLES_OK) {
      // The fixed catalog query failed: the server, not the schema, is the problem.
      return stop_with(
          failed(kConnection, statement_failure(results->front().get(), target_->password), took));
    }
    out.checks.push_back(passed(
        kConnection,
        fmt::format("connected to {} (PostgreSQL {})", target_->display, server_version_), took));
    out.checks.push_back(response_time_check(took, config.database.statement_timeout));
    auto verdict = judge_schema(config.readiness, *results, target_->password);
    verdict.tables.duration = verdict.migrations.duration = took;
    out.checks.push_back(std::move(verdict.tables));
    out.checks.push_back(std::move(verdict.migrations));
    if (want_leadership) {
      if (holds_lock) {
        out.alert_leader = true;
      } else if (auto leader = read_leadership(results->back().get())) {
        out.alert_leader = *leader;
        if (*leader) leader_generation_ = connection_generation_;
      }
    }
    const pg_result* activity_result = (*results)[activity_at].get();
    auto activity =
        PQresultStatus(activity_result) == PGRES_TUPLES_OK
            ? read_activity(activity_result)
            : std::unexpected(statement_failure(activity_result, target_->password).message);
    if (activity) {
      out.pool = evaluate_pool(*activity, config.pool);
      for (auto& c : pool_checks(*activity, *out.pool)) out.checks.push_back(std::move(c));
      out.activity = std::move(*activity);
    } else {
      out.checks.push_back(warning_about_activity(activity.error(), took));
    }
    break;
  }
  maybe_fresh_connect(config, deadline);
  if (fresh_connect_) out.checks.push_back(*fresh_connect_);
  out.server_version = server_version_;
  return out;
}

}  // namespace opsagent::probes
