#include "probes/postgres/leadership.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>

#include "probes/postgres/transaction_scope.hpp"

namespace opsagent::probes {

namespace {

std::optional<int> pid_value(const pg_result* r, int col) {
  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 || PQgetisnull(r, 0, col)) {
    return std::nullopt;
  }
  const char* text = PQgetvalue(r, 0, col);
  int pid = 0;
  const auto [end, ec] = std::from_chars(text, text + std::strlen(text), pid);
  if (ec != std::errc{} || *end != '\0') return std::nullopt;
  return pid;
}

PipelineStatement lease_holder_statement() {
  // The lock as pg_try_advisory_xact_lock(int4, int4) takes it: classid and objid are the two
  // keys, objsubid 2; advisory locks belong to a database, so only this one's counts. Not this
  // session's own: a lock it took and is about to give back is no other agent's lease. Only a
  // holder in a transaction is a lease. A leader connected directly holds a session lock of the
  // same key on its probe session: when that session is in a transaction at this moment, it is
  // taken for the lease, and an agent's session is all that is then left out.
  return PipelineStatement{
      .sql =
          "SELECT l.pid FROM pg_catalog.pg_locks l"
          " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
          " AND l.classid = $1::int4::oid AND l.objid = $2::int4::oid"
          " AND l.pid <> pg_catalog.pg_backend_pid()"
          " AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d"
          " WHERE d.datname = pg_catalog.current_database())"
          " AND (SELECT a.xact_start FROM pg_catalog.pg_stat_get_activity(l.pid) a) IS NOT NULL"
          " LIMIT 1",
      .params = {std::to_string(kLeadershipLockClass), std::to_string(kLeadershipLockId)},
      // Its own sync: should it fail, the ROLLBACK after it still runs.
      .sync_after = true};
}

}  // namespace

PipelineStatement leadership_statement() {
  return PipelineStatement{
      .sql = "SELECT pg_try_advisory_lock($1::int4, $2::int4)",
      .params = {std::to_string(kLeadershipLockClass), std::to_string(kLeadershipLockId)}};
}

std::expected<bool, std::string> read_leadership(const pg_result* result) {
  if (PQresultStatus(result) != PGRES_TUPLES_OK) {
    return std::unexpected("the leadership lock query failed");
  }
  if (PQntuples(result) != 1 || PQnfields(result) != 1 || PQgetisnull(result, 0, 0)) {
    return std::unexpected("the leadership lock query returned an unexpected shape");
  }
  return std::string_view(PQgetvalue(result, 0, 0)) == "t";
}

void PooledLeadership::release() {
  connection_.reset();
  held_ = false;
  server_pid_ = 0;
  holder_.reset();
  holder_read_at_.reset();
}

PooledLeadership::Turn PooledLeadership::step(const ConnectionTarget& target,
                                              const config::Config& config, Deadline deadline) {
  if (!unavailable_.empty()) return {.leader = true, .server_pid = {}, .unavailable = unavailable_};
  auto lost = [&](const PgFailure& f) {
    release();
    if (f.message.find("statement pooling") != std::string::npos) {
      unavailable_ =
          "the pooler runs in statement mode, which refuses the open transaction that holds "
          "the leadership lock: every agent sends; point database.dsn_env at Postgres directly "
          "(or a session/transaction-mode pool) for one sender";
      return Turn{.leader = true, .server_pid = {}, .unavailable = unavailable_};
    }
    return Turn{};
  };
  if (!connection_) {
    auto opened = PgConnection::open(
        target, std::min(deadline, SteadyClock::now() + config.database.connect_timeout));
    if (!opened) return lost(opened.error());
    connection_ = std::move(*opened);
  }
  if (held_) {
    // Inside the open transaction: proves the lease is alive and resets its idle timer.
    auto r = connection_->run_pipeline(
        {PipelineStatement{"SELECT pg_catalog.pg_backend_pid()", {}, true}}, deadline);
    if (!r || pid_value(r->front().get(), 0) != server_pid_)
      return lost(r ? PgFailure{} : r.error());
    return {.leader = true, .server_pid = server_pid_, .unavailable = {}};
  }
  const auto idle_limit = std::to_string(config.agent.stale_after.count()) + "ms";
  auto r = connection_->run_pipeline(
      {PipelineStatement{"BEGIN TRANSACTION READ ONLY", {}, false},
       transaction_settings(config.database),
       PipelineStatement{
           "SELECT pg_catalog.set_config('idle_in_transaction_session_timeout', $1, true),"
           " pg_catalog.pg_try_advisory_xact_lock($2::int4, $3::int4)",
           {idle_limit, std::to_string(kLeadershipLockClass), std::to_string(kLeadershipLockId)},
           true}},
      deadline);
  if (!r) return lost(r.error());
  for (const auto& result : *r) {
    if (PQresultStatus(result.get()) == PGRES_FATAL_ERROR) {
      auto f = statement_failure(result.get(), target.password);
      if (f.message.find("statement pooling") != std::string::npos) return lost(f);
    }
  }
  const pg_result* lock = (*r)[2].get();
  const auto pid = pid_value((*r)[1].get(), 3);
  if (PQresultStatus(lock) == PGRES_TUPLES_OK && PQntuples(lock) == 1 && pid &&
      std::string_view(PQgetvalue(lock, 0, 1)) == "t") {
    held_ = true;
    server_pid_ = *pid;
    holder_.reset();
    holder_read_at_.reset();
    return {.leader = true, .server_pid = server_pid_, .unavailable = {}};
  }
  // Another agent leads (or the statement failed): learn which backend holds the lease when
  // that is due, then end the transaction, so the pooler takes its server connection back at
  // once.
  const bool lock_answered = PQresultStatus(lock) == PGRES_TUPLES_OK;
  const auto now = SteadyClock::now();
  const bool read_holder = lock_answered && (holder_doubted_ || !holder_read_at_ ||
                                             now - *holder_read_at_ >= kHolderRecheck);
  std::vector<PipelineStatement> end;
  if (read_holder) end.push_back(lease_holder_statement());
  end.push_back(PipelineStatement{"ROLLBACK", {}, true});
  auto ended = connection_->run_pipeline(end, deadline);
  if (!ended) return lost(ended.error());
  // Leadership unknown this turn; the lease is where it was last seen.
  if (!lock_answered) return {.leader = {}, .server_pid = holder_, .unavailable = {}};
  if (read_holder) {
    holder_ = pid_value(ended->front().get(), 0);
    holder_read_at_ = now;
    holder_doubted_ = false;
  }
  return {.leader = false, .server_pid = holder_, .unavailable = {}};
}

}  // namespace opsagent::probes
