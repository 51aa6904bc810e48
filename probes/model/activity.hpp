// Who holds the database's connections, as read from pg_stat_activity (the query itself is
// probes/postgres/activity_query.hpp). Client backends only; the agent's own
// session is excluded from every count. Thread-safety: plain values and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace opsagent::probes {

// Sessions of one group (all of them, one application_name, one user, ...) by state.
struct SessionCounts {
  int total = 0;
  int active = 0;
  int idle = 0;
  int idle_in_transaction = 0;
  int idle_in_transaction_aborted = 0;
  int other = 0;  // fastpath function call, disabled, or a state hidden from the agent's role
  int waiting_on_locks = 0;
  std::optional<double> oldest_xact_s;          // age of the oldest open transaction
  std::optional<double> oldest_idle_in_xact_s;  // longest time spent idle in a transaction
  std::optional<double> longest_query_s;        // longest-running active query

  void add(const SessionCounts& other);
};

struct GroupCount {
  std::string key;  // application_name, user, database or client address ("" shown as "(none)")
  SessionCounts counts;
};

// Active sessions waiting on one wait event ("Lock"/"relation", "IO"/"DataFileRead", ...).
// type and event "" (both): running, with no wait reported (on CPU, or in an uninstrumented wait).
struct WaitEventCount {
  std::string type;   // pg_stat_activity.wait_event_type
  std::string event;  // pg_stat_activity.wait_event
  int sessions = 0;
  bool operator==(const WaitEventCount&) const = default;
};

struct ActivityRow;  // below: one group as read

struct ActivitySnapshot {
  int max_connections = 0;
  int superuser_reserved_connections = 0;
  std::optional<int> reserved_connections;  // PG 16+; absent before
  int usable_slots = 0;                     // for ordinary roles
  SessionCounts sessions;                   // all visible client backends but the agent's own
  // The agent's role lacks pg_read_all_stats (pg_monitor): other roles' sessions hide their
  // state and type, so counts are a lower bound and say so.
  bool partial_view = false;
  int hidden_sessions = 0;  // rows whose details were hidden (may include background workers)
  // Sorted by total, largest first; at most kMaxGroups entries, the rest summed into "(other)".
  std::vector<GroupCount> by_application;
  std::vector<GroupCount> by_user;
  std::vector<GroupCount> by_database;
  std::vector<GroupCount> by_client_addr;
  // Every application_name, uncapped: the pool model needs each worker (bounded anyway by
  // max_connections). Not rendered.
  std::vector<GroupCount> all_applications;
  // application_names with sessions of a superuser role: those can also take the slots
  // superuser_reserved_connections keeps for an admin.
  std::vector<std::string> superuser_applications;
  // Active sessions by what they wait for, the most sessions first; at most kMaxWaitEvents
  // entries, the rest summed into type "(other)". Empty when no session but the agent's is active.
  std::vector<WaitEventCount> wait_events;

  static constexpr std::size_t kMaxWaitEvents = 10;
  // The agent's own session's client address ("local": a unix socket), and every group as read
  // (bounded by max_connections): the leaked and idle in transaction reports need each worker's
  // address and ages (probes/model/connection_hygiene.hpp).
  std::string own_client_addr;
  std::vector<ActivityRow> rows;

  static constexpr std::size_t kMaxGroups = 20;  // bounds memory and metric label cardinality
  static constexpr const char* kOtherGroup = "(other)";

  int used() const { return sessions.total; }
  // The agent's own session occupies a slot too, though it is not counted in used().
  int free_slots() const;
  double utilization() const;  // used / usable, 0..1+ (superusers can go past usable)
};

// One row of the activity statement, before grouping.
struct ActivityRow {
  std::string application_name, user, database, client_addr, state;
  bool superuser = false;  // the session's role is a superuser
  SessionCounts counts;
  std::optional<double> oldest_backend_s;  // age of the group's oldest session (backend_start)
  std::vector<double> idle_in_xact_ages;   // each idle in transaction session's time in state
};
// Groups rows into an ActivitySnapshot (settings fields left for the caller).
ActivitySnapshot aggregate_activity(const std::vector<ActivityRow>& rows);

// Orders the wait events, the most sessions first (ties by name), and caps them at
// kMaxWaitEvents with the rest in one "(other)" entry.
std::vector<WaitEventCount> rank_wait_events(std::vector<WaitEventCount> events);

// "Lock/relation", "Timeout/PgSleep", "(running)" for no wait, "(other)" for the rest.
std::string wait_event_name(const WaitEventCount& w);

// Adds `n` sessions in pg_stat_activity state `state` to `c` (unknown states count as other).
void count_state(SessionCounts& c, std::string_view state, int n);

}  // namespace opsagent::probes
