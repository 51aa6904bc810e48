#include "probes/postgres/postgres_probe.hpp"

#include <libpq-fe.h>

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/saturating_time.hpp"
#include "config/syntax/duration.hpp"
#include "probes/postgres/activity_query.hpp"
#include "probes/postgres/lock_query.hpp"
#include "probes/postgres/termination_query.hpp"
#include "probes/postgres/transaction_scope.hpp"

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
constexpr const char* kFreshConnect = "postgres:fresh_connect";

bool is_pressure(ErrorClass e) {
  return e == ErrorClass::too_many_connections || e == ErrorClass::pooler_saturated;
}

}  // namespace

config::Duration fresh_connect_pace(config::Duration interval, bool in_doubt) {
  if (!in_doubt || interval.count() == 0) return interval;
  return std::min(interval, kFreshConnectInDoubt);
}

namespace {

bool pressure_gates(const config::Config& config) {
  return config.readiness.on_pressure == config::ReadinessSection::Pressure::not_ready;
}

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

// Whether a query marker is among the missing: it is asked again next cycle.
bool query_marker_failed(const config::ReadinessSection& readiness, const CheckResult& migrations) {
  return std::ranges::any_of(readiness.migrations, [&](const config::MigrationMarker& m) {
    return m.kind == config::MigrationMarker::Kind::query &&
           std::ranges::find(migrations.missing, m.name) != migrations.missing.end();
  });
}

std::string accepted_message(microseconds took, bool via_pooler) {
  std::string m = "new connection accepted in " + format_micros(took);
  if (via_pooler) {
    m += " by the pooler (it accepts clients without a server connection: this does not show "
         "whether Postgres has free slots)";
  }
  return m;
}

}  // namespace

std::optional<PgFailure> PostgresProbe::ensure_connected(const config::Config& config,
                                                         Deadline deadline) {
  if (connection_) return std::nullopt;
  const auto start = SteadyClock::now();
  auto opened = PgConnection::open(
      *target_, std::min(deadline, common::saturating_add(start, config.database.connect_timeout)));
  last_fresh_connect_ = SteadyClock::now();
  if (!opened) {
    fresh_connect_.reset();  // the connection check already says it all
    return opened.error();
  }
  connection_ = std::move(*opened);
  ++connection_generation_;
  server_version_ = connection_->server_version();
  {
    // A pooler stands in between when the server process answering is not the one announced
    // at connect. One settings-only segment per new connection, not per cycle, and not once
    // per target: the name may come to point at a pooler (DNS, a failover endpoint) while the
    // agent runs, and session state must never land on a pooled connection.
    auto settings = connection_->run_pipeline(scoped_segment(config.database, {}, false), deadline);
    if (!settings) {
      connection_.reset();
      return settings.error();
    }
    const bool known_pooled = via_pooler_.value_or(false);
    via_pooler_ = serves_through_pooler(settings->front().get(), *connection_);
    if (via_pooler_.value_or(false) && !known_pooled) {
      spdlog::warn(
          "the database connection ({}) goes through a pooler: pg_stat_activity shows the "
          "pooler's server connections (per-worker attribution follows whoever used each last) "
          "and postgres:fresh_connect measures the pooler; point {} at Postgres directly for "
          "exact counts and [pgbouncer] at the admin console for the queue",
          target_->display, config.database.dsn_env);
    }
  }
  // Only on a session known to be the agent's own: an unknown answer counts as a pooler.
  session_owned_ = via_pooler_.has_value() && !*via_pooler_;
  if (session_owned_) {
    auto settings = connection_->run_pipeline({session_settings(config.database)}, deadline);
    if (!settings) {
      connection_.reset();
      return settings.error();
    }
    if (PQresultStatus(settings->front().get()) != PGRES_TUPLES_OK) {
      // Nothing was set: the per-segment settings keep the cycle bounded and read-only.
      session_owned_ = false;
      spdlog::warn("the session settings were refused ({}); every cycle sends them instead",
                   statement_failure(settings->front().get(), target_->password).message);
    }
  }
  fresh_connect_ = passed(
      kFreshConnect, accepted_message(since(start), via_pooler_.value_or(false)), since(start));
  return std::nullopt;
}

const std::expected<std::vector<PgResultPtr>, PgFailure>& PostgresProbe::read_markers(
    const config::Config& config, Deadline deadline) {
  auto statements = marker_statements(config.readiness, config.database);
  const auto now = SteadyClock::now();
  // Cycles start up to a tenth of agent.interval early (jitter): an interval equal to the
  // probe's still means every cycle.
  const bool due =
      markers_failing_ || markers_generation_ != connection_generation_ ||
      markers_sent_ != statements ||
      now - markers_at_ + config.agent.interval / 10 >= config.readiness.marker_interval;
  if (!due) return markers_;
  if (!statements.empty() && !connection_) {
    // The activity read before lost the connection: the last verdict on these markers stands
    // until the next connection asks again; without one, they could not be asked.
    if (markers_sent_ == statements) return markers_;
    markers_ = std::unexpected(PgFailure{ErrorClass::connection_lost,
                                         "the connection failed before the query markers ran"});
    return markers_;
  }
  markers_ = std::vector<PgResultPtr>{};
  if (!statements.empty()) {
    markers_ = connection_->run_pipeline(statements, deadline);
    if (!markers_) connection_.reset();  // its pipeline state is unknown: start afresh
  }
  markers_sent_ = std::move(statements);
  markers_generation_ = connection_generation_;
  markers_at_ = now;
  return markers_;
}

void PostgresProbe::maybe_fresh_connect(const config::Config& config, bool slots_scarce,
                                        Deadline deadline) {
  const auto now = SteadyClock::now();
  const auto interval = fresh_connect_pace(
      config.database.fresh_connect_interval,
      slots_scarce || (fresh_connect_ && fresh_connect_->status != CheckStatus::pass));
  if (interval.count() == 0 || now - last_fresh_connect_ < interval) return;
  // Too little time left would turn a healthy server into a false timeout: try next cycle.
  if (deadline - now < config.database.connect_timeout / 2) return;
  auto opened = PgConnection::open(
      *target_, std::min(deadline, common::saturating_add(now, config.database.connect_timeout)));
  last_fresh_connect_ = SteadyClock::now();
  if (opened) {
    ++own_logins_since_read_;
    fresh_connect_ = passed(kFreshConnect,
                            accepted_message(since(now), via_pooler_.value_or(false)), since(now));
    return;
  }
  auto f = opened.error();
  f.message = "a new connection failed while the agent's own still works: " + f.message;
  fresh_connect_ = failed(kFreshConnect, f, since(now));
  if (is_pressure(f.error)) {
    // The app's next connection would fail the same way: an alert, and readiness only when the
    // user asked for a strict gate.
    fresh_connect_->gates_readiness = pressure_gates(config);
    if (!fresh_connect_->gates_readiness) fresh_connect_->status = CheckStatus::warn;
  }
}

LockTree PostgresProbe::read_locks(const config::Config& config, int waiting, Deadline deadline) {
  LockTree tree;
  tree.waiting_seen = waiting;
  if (waiting == 0) return tree;
  if (!config.locks.enabled) {
    tree.unread = "not read (locks.enabled = false)";
    return tree;
  }
  if (!connection_) {
    tree.unread = "the connection failed before the tree's turn";
    return tree;
  }
  auto results = connection_->run_pipeline(
      scoped_segment(config.database, {lock_tree_statement()}, false),
      std::min(deadline, SteadyClock::now() + config.statement_deadline()));
  if (!results) {
    connection_.reset();  // its pipeline state is unknown: start afresh
    tree.unread = "the blocking-tree statement failed: " + results.error().message;
    return tree;
  }
  const pg_result* rows = (*results)[1].get();
  if (PQresultStatus(rows) != PGRES_TUPLES_OK) {
    tree.unread =
        "the blocking-tree statement failed: " + statement_failure(rows, target_->password).message;
    return tree;
  }
  auto sessions = read_lock_sessions(rows);
  if (!sessions) {
    tree.unread = sessions.error();
    return tree;
  }
  tree = build_lock_tree(std::move(*sessions),
                         static_cast<std::size_t>(std::max(2, config.locks.max_sessions)));
  tree.waiting_seen = waiting;
  return tree;
}

ProbeCycle PostgresProbe::fail_cycle(const config::Config& config, PgFailure failure,
                                     microseconds took, const PoolerLook& look_at_pooler) {
  // Asked before the connection is dropped: a statement waiting in PgBouncer's queue is still
  // one of the waiting clients the console counts.
  if (target_ && failure.error == ErrorClass::timeout && look_at_pooler) {
    failure.error =
        pooler_blame(failure.error, look_at_pooler(), target_->database, &failure.message);
  }
  connection_.reset();
  ProbeCycle out;
  out.server_version = server_version_;
  out.via_pooler = via_pooler_;
  CheckResult connection = failed(kConnection, failure, took);
  if (!is_pressure(failure.error) || pressure_gates(config) || !last_schema_) {
    out.checks.push_back(std::move(connection));
    return out;
  }
  // Busy is not down: the schema cannot have changed for lack of a free slot. Keep the last
  // verdict (saying how old it is) and warn.
  const auto age =
      duration_cast<config::Duration>(std::chrono::system_clock::now() - last_schema_at_);
  connection.status = CheckStatus::warn;
  connection.gates_readiness = false;
  connection.message +=
      "; readiness keeps the last schema verdict (readiness.on_pressure = "
      "\"warn\")";
  out.checks.push_back(std::move(connection));
  for (CheckResult carried : {last_schema_->tables, last_schema_->migrations}) {
    carried.message += fmt::format(" (as verified {} ago; the database is too busy to ask now)",
                                   config::format_duration(std::max(age, config::Duration{0})));
    out.checks.push_back(std::move(carried));
  }
  return out;
}

ProbeCycle PostgresProbe::run(const config::Config& config, const std::optional<std::string>& dsn,
                              Deadline deadline, const PoolerLook& look_at_pooler) {
  jobs_.sync(config.jobs);
  queries_.sync(config.queries);
  ProbeCycle out = probe_database(config, dsn, deadline, look_at_pooler);
  if (!config.jobs.empty() || !config.queries.empty()) {
    const auto connection = std::ranges::find(out.checks, kConnection, &CheckResult::name);
    ProbeFailure failure{ErrorClass::unknown, "the probe cycle ended before its turn"};
    if (connection != out.checks.end() && connection->status != CheckStatus::pass) {
      failure = {connection->error, "the database was not reached: " + connection->message};
    }
    jobs_.miss_due(failure);
    queries_.miss_due(failure);
  }
  const auto now = SteadyClock::now();
  out.jobs = jobs_.reports();
  for (auto& c : jobs_.checks(now)) out.checks.push_back(std::move(c));
  out.queries = queries_.reports();
  for (auto& c : queries_.checks(now)) out.checks.push_back(std::move(c));
  return out;
}

void PostgresProbe::adopt_target(ConnectionTarget target) {  // new DSN or settings: start over
  connection_.reset();
  fresh_connect_.reset();
  via_pooler_.reset();
  last_schema_.reset();
  activity_.reset();
  pooled_leadership_.release();
  leader_generation_ = 0;
  target_ = std::move(target);
}

ProbeCycle PostgresProbe::probe_database(const config::Config& config,
                                         const std::optional<std::string>& dsn, Deadline deadline,
                                         const PoolerLook& look_at_pooler) {
  if (!dsn || dsn->empty()) {
    return fail_cycle(config,
                      {ErrorClass::config, "environment variable " + config.database.dsn_env +
                                               " is not set; set it to the database URL"},
                      {}, {});
  }
  // The DSN is parsed again only when it or the settings changed: not work for every cycle.
  if (!target_ || *dsn != target_dsn_ || config.database != target_settings_) {
    auto target = make_connection_target(*dsn, config.database);
    if (!target) return fail_cycle(config, target.error(), {}, {});
    if (!target_ || *target_ != *target) adopt_target(std::move(*target));
    target_dsn_ = *dsn;
    target_settings_ = config.database;
  }

  const bool want_leadership = config.alerts.enabled() && config.alerts.leader_election;
  ProbeCycle out;
  // A reused connection that broke (server restart, failover, pooler restart) gets one
  // immediate reconnect, so one dead socket does not cost a whole interval of not-ready.
  for (bool retry_allowed = connection_.has_value();; retry_allowed = false) {
    const auto start = SteadyClock::now();
    if (auto failure = ensure_connected(config, deadline)) {
      return fail_cycle(config, std::move(*failure), since(start), look_at_pooler);
    }
    const bool pooled = via_pooler_.value_or(false);
    out = ProbeCycle{};
    std::optional<int> lease_pid;
    if (want_leadership && pooled) {
      auto turn = pooled_leadership_.step(*target_, config, deadline);
      out.alert_leader = turn.leader;
      out.leadership_note = std::move(turn.unavailable);
      lease_pid = turn.server_pid;
    }
    // The session lock is held for the session's life: only a session that does not hold it
    // asks. Never through a pooler: there the session is not the agent's.
    const bool session_lock = want_leadership && !pooled;
    const bool holds_lock =
        session_lock && leader_generation_ != 0 && leader_generation_ == connection_generation_;
    const bool read_here = activity_ && activity_generation_ == connection_generation_;
    // Cycles start up to a tenth of agent.interval early (jitter), as in read_markers().
    const bool with_status =
        status_pulse_due(read_here ? activity_pulse_ : std::nullopt,
                         SteadyClock::now() - status_pulse_at_ + config.agent.interval / 10);
    const bool pulse_allowed = pulse_refused_on_ != connection_generation_;
    // The leadership lock before the pulse: a pulse the server cannot run (a function it lacks)
    // aborts what follows it in the segment, and must not cost the alerts their leader.
    const bool asks_lock = session_lock && !holds_lock;
    std::vector<PipelineStatement> body{schema_statement(config.readiness)};
    if (asks_lock) body.push_back(leadership_statement());
    if (pulse_allowed) body.push_back(activity_pulse_statement(with_status, lease_pid));
    // An open connection's round trip has its own bound: a frozen server is noticed after
    // statement_timeout + grace, not after the whole cycle's connect + statement budget.
    auto results = connection_->run_pipeline(
        probe_segment(config.database, std::move(body), session_owned_),
        std::min(deadline, SteadyClock::now() + config.statement_deadline()));
    if (!results) {
      if (retry_allowed && results.error().error == ErrorClass::connection_lost) {
        connection_.reset();
        continue;
      }
      return fail_cycle(config, results.error(), since(start), look_at_pooler);
    }
    // The per-segment settings (when sent) come first, then the body.
    const std::size_t schema_at = session_owned_ ? 0 : 1;
    // The settings or the fixed catalog statement failing: the server, not the schema, is the
    // problem.
    for (std::size_t i = 0; i <= schema_at; ++i) {
      if (PQresultStatus((*results)[i].get()) != PGRES_TUPLES_OK) {
        return fail_cycle(config, statement_failure((*results)[i].get(), target_->password),
                          since(start), look_at_pooler);
      }
    }
    const auto took = since(start);
    std::optional<ActivityPulse> pulse;
    if (pulse_allowed) {
      const pg_result* pulse_result = (*results)[schema_at + (asks_lock ? 2 : 1)].get();
      pulse = read_activity_pulse(pulse_result);
      if (!pulse) refuse_pulse(pulse_result);
      if (pulse && pulse->status) status_pulse_at_ = SteadyClock::now();
    }
    std::string stood_note;
    auto activity = read_activity_when_moved(config, pulse, lease_pid, deadline, &stood_note);
    // Query markers after the main segment and the sessions, so that a slow marker is the
    // marker's fault.
    const auto& markers = read_markers(config, deadline);
    if (activity) out.locks = read_locks(config, activity->sessions.waiting_on_locks, deadline);
    // Jobs and custom queries last, and only those due: a slow job table or query is its own
    // fault, never the schema's.
    if (connection_ && !jobs_.read_due(config, *connection_, deadline, target_->password)) {
      connection_.reset();
    }
    if (connection_ && !queries_.read_due(config, *connection_, deadline, target_->password)) {
      connection_.reset();
    }
    out.checks.push_back(passed(kConnection,
                                fmt::format("connected to {} (PostgreSQL {}{})", target_->display,
                                            server_version_, pooled ? ", through a pooler" : ""),
                                took));
    out.checks.push_back(response_time_check(took, config.database.statement_timeout));
    auto verdict =
        judge_schema(config.readiness, (*results)[schema_at].get(), markers, target_->password);
    verdict.tables.duration = verdict.migrations.duration = took;
    markers_failing_ = query_marker_failed(config.readiness, verdict.migrations);
    last_schema_ = verdict;
    last_schema_at_ = std::chrono::system_clock::now();
    out.checks.push_back(std::move(verdict.tables));
    out.checks.push_back(std::move(verdict.migrations));
    if (holds_lock) {
      out.alert_leader = true;
    } else if (session_lock) {
      if (auto leader = read_leadership((*results)[schema_at + 1].get())) {
        out.alert_leader = *leader;
        if (*leader) leader_generation_ = connection_generation_;
      }
    }
    if (activity) {
      out.pool = evaluate_pool(*activity, config.pool, look_at_pooler ? look_at_pooler() : nullptr,
                               config.deploy.overlap);
      for (auto& c : pool_checks(*activity, *out.pool)) {
        if (c.name == "postgres:connections" && !stood_note.empty()) c.message += "; " + stood_note;
        out.checks.push_back(std::move(c));
      }
      out.termination = run_termination(connection_, pooled, config, *activity, *out.pool, deadline,
                                        target_->password);
      out.checks.push_back(locks_check(*out.locks, config.locks));
      out.activity = std::move(*activity);
    } else {
      out.checks.push_back(warning_about_activity(activity.error(), took));
    }
    break;
  }
  if (connection_) {
    maybe_fresh_connect(config, out.pool && out.pool->level == PoolLevel::critical, deadline);
  }
  if (fresh_connect_) out.checks.push_back(*fresh_connect_);
  out.server_version = server_version_;
  out.via_pooler = via_pooler_;
  return out;
}

}  // namespace opsagent::probes
