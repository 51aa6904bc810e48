// The probe's activity read (postgres_probe.hpp): pg_stat_activity read in full only when the
// pulse moved (activity_refresh.hpp), else the last read with its ages grown.
#include <libpq-fe.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "probes/postgres/activity_query.hpp"
#include "probes/postgres/postgres_probe.hpp"
#include "probes/postgres/transaction_scope.hpp"

namespace opsagent::probes {

std::expected<ActivitySnapshot, std::string> PostgresProbe::read_activity_when_moved(
    const config::Config& config, std::optional<ActivityPulse> pulse, std::optional<int> lease_pid,
    Deadline deadline, std::string* stood_note) {
  if (!connection_) return std::unexpected("the connection failed before the activity read");
  const auto now = SteadyClock::now();
  const bool read_here = activity_ && activity_generation_ == connection_generation_;
  // The agent's own fresh connections are logins too: they alone must not cost a full read.
  if (pulse) pulse->sessions_started -= own_logins_since_read_;
  const auto reason =
      activity_read_reason(read_here ? activity_pulse_ : std::nullopt, pulse, now - activity_at_);
  if (reason == ActivityReadReason::none) {
    const auto seconds = [&](SteadyClock::time_point at) {
      return std::chrono::duration<double>(now - at).count();
    };
    *stood_note = fmt::format(
        "sessions as read {:.0f}s ago: no login since, and the backend status array (checked "
        "{:.0f}s ago) showed the same sessions, none in a transaction",
        seconds(activity_at_), seconds(status_pulse_at_));
    return aged_activity(*activity_, seconds(activity_at_));
  }
  spdlog::debug("reading pg_stat_activity in full: {}", to_string(reason));
  // Behind a pooler the alert leader's lease is an open transaction: if that is what is seen,
  // the lease may have moved since this agent last learnt where it is.
  if (reason == ActivityReadReason::in_transaction) pooled_leadership_.doubt_holder();
  activity_.reset();
  // The aggregate first, then the pulse with the status array in the same transaction (the
  // array is copied once): what the next cycles' pulses compare with. A pulse the server refuses
  // (an old server) leaves the aggregate standing; pulses stop for this connection.
  std::vector<PipelineStatement> body{activity_statement(lease_pid)};
  const bool pulse_allowed = pulse_refused_on_ != connection_generation_;
  if (pulse_allowed) body.push_back(activity_pulse_statement(true, lease_pid));
  auto results = connection_->run_pipeline(
      probe_segment(config.database, std::move(body), session_owned_),
      std::min(deadline, SteadyClock::now() + config.statement_deadline()));
  if (!results) {
    connection_.reset();  // its pipeline state is unknown: start afresh
    return std::unexpected(results.error().message);
  }
  // The per-segment settings (when sent), then the aggregate: the first failure is the answer.
  const std::size_t aggregate_at = results->size() - (pulse_allowed ? 2 : 1);
  for (std::size_t i = 0; i <= aggregate_at; ++i) {
    if (PQresultStatus((*results)[i].get()) != PGRES_TUPLES_OK) {
      return std::unexpected(statement_failure((*results)[i].get(), target_->password).message);
    }
  }
  auto activity = read_activity((*results)[aggregate_at].get());
  if (activity) {
    activity_ = *activity;
    activity_pulse_.reset();
    if (pulse_allowed) {
      activity_pulse_ = read_activity_pulse(results->back().get());
      if (!activity_pulse_) refuse_pulse(results->back().get());
    }
    activity_generation_ = connection_generation_;
    activity_at_ = now;
    status_pulse_at_ = now;
    own_logins_since_read_ = 0;
  }
  return activity;
}

void PostgresProbe::refuse_pulse(const pg_result* result) {
  if (pulse_refused_on_ == connection_generation_) return;
  pulse_refused_on_ = connection_generation_;
  spdlog::warn(
      "the activity pulse failed ({}); reading pg_stat_activity in full every cycle on this "
      "connection (the pulse needs PostgreSQL 14 or later)",
      PQresultStatus(result) == PGRES_TUPLES_OK
          ? std::string("unexpected shape")
          : statement_failure(result, target_->password).message);
}

}  // namespace opsagent::probes
