// When the probe reads every session again, and what it shows in between. Reading
// pg_stat_activity is what watching costs the database: every session's row is built, joined
// and grouped (bench/RESULTS.md, issue 18). A pulse runs every cycle instead; the full read
// follows only when the pulse moved (a login, a session that came, went or was replaced, one in
// a transaction: active, idle in transaction, waiting on a lock), and at least every
// kActivityRefresh. In between, an idle database's sessions cannot have changed state, so the
// last read stands, its ages grown by the time since.
// Thread-safety: plain values and pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "probes/model/activity.hpp"

namespace opsagent::probes {

// What the backend status array shows, the agent's own sessions left out of `in_transaction`.
struct BackendStatusPulse {
  int backends = 0;          // every backend with a status entry (client or not)
  std::int64_t pid_sum = 0;  // with `newest_start`: the set of backends, not just their number
  std::string newest_start;  // the latest backend_start visible to the agent's role (text)
  int visible = 0;           // backends whose details the agent's role may see
  int in_transaction = 0;    // sessions with a transaction open: active, idle in it, waiting
  bool operator==(const BackendStatusPulse&) const = default;
};

// What the pulse statement saw. Every cycle: two values from shared memory that cost next to
// nothing. Every kStatusPulseEvery, and with every full read: the status array too, which costs
// about what reading it ever does (a copy of every backend's entry, ~1 ms of backend CPU at 500
// sessions: bench/RESULTS.md), so not every second.
struct ActivityPulse {
  std::int64_t sessions_started = 0;  // pg_stat_database.sessions, summed: client logins so far
  bool full_view = false;             // the role may see every session (pg_read_all_stats)
  std::optional<BackendStatusPulse> status;
  bool operator==(const ActivityPulse&) const = default;
};

// The longest a read may stand while the pulse stays still: an application_name changed on an
// idle session, or a session that was busy and idle again between two pulses, shows by then.
inline constexpr std::chrono::seconds kActivityRefresh{60};
// How often an idle database's status array is looked at between full reads: the longest a
// session that ends, or an idle one that begins a transaction, waits to be seen (a login shows
// in the next cycle, through sessions_started).
inline constexpr std::chrono::seconds kStatusPulseEvery{5};

enum class ActivityReadReason {
  none,              // the last read stands
  first,             // nothing read yet on this connection
  pulse_unreadable,  // the pulse failed: read as before it existed
  sessions_changed,  // a login, backends that came, went or were replaced, another view
  in_transaction,    // a session is in a transaction (now, or at the last read)
  due,               // kActivityRefresh since the last read
};
std::string_view to_string(ActivityReadReason r);

// Whether this cycle's pulse looks at the status array: kStatusPulseEvery since it last did,
// unless the cycle reads in full anyway (nothing read yet, or the last read saw a transaction).
bool status_pulse_due(const std::optional<ActivityPulse>& at_last_read,
                      std::chrono::steady_clock::duration since_last_status);

// Whether this cycle reads every session. `at_last_read`: the pulse (with the status array)
// taken with the last read on this connection (nullopt: none yet); `now`: this cycle's (nullopt:
// it failed).
ActivityReadReason activity_read_reason(const std::optional<ActivityPulse>& at_last_read,
                                        const std::optional<ActivityPulse>& now,
                                        std::chrono::steady_clock::duration since_last_read);

// `read` as it stands `seconds` later: every age it carries (oldest transaction, idle in
// transaction, longest query, oldest backend, each idle in transaction age) grown by `seconds`.
ActivitySnapshot aged_activity(ActivitySnapshot read, double seconds);

}  // namespace opsagent::probes
