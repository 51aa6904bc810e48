// When the probe reads every session again, and what it shows in between. Reading
// pg_stat_activity is what watching costs the database: every session's row is built, joined
// and grouped (bench/RESULTS.md, issue 18). A pulse that only counts backends (one copy of the
// server's status array, as the count in pg_stat_database does) runs every cycle instead; the
// full read follows only when the pulse moved (a session came or went, or one is in a
// transaction: active, idle in transaction, waiting on a lock), and at least every
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

// What the pulse statement saw, the agent's own sessions left out of `in_transaction`.
struct ActivityPulse {
  int backends = 0;          // every backend with a status entry (client or not)
  std::int64_t pid_sum = 0;  // with `newest_start`: the set of backends, not just their number
  std::string newest_start;  // the latest backend_start visible to the agent's role (text)
  int visible = 0;           // backends whose details the agent's role may see
  int in_transaction = 0;    // sessions with a transaction open: active, idle in it, waiting
  bool operator==(const ActivityPulse&) const = default;
};

// The longest a read may stand while the pulse stays still: an application_name changed on an
// idle session, or a session that was busy and idle again between two pulses, shows by then.
inline constexpr std::chrono::seconds kActivityRefresh{60};

enum class ActivityReadReason {
  none,              // the last read stands
  first,             // nothing read yet on this connection
  pulse_unreadable,  // the pulse failed: read as before it existed
  sessions_changed,  // backends came, went or were replaced, or the role sees more or fewer
  in_transaction,    // a session is in a transaction (now, or at the last read)
  due,               // kActivityRefresh since the last read
};
std::string_view to_string(ActivityReadReason r);

// Whether this cycle reads every session. `at_last_read`: the pulse taken just before the last
// read on this connection (nullopt: none yet); `now`: this cycle's (nullopt: it failed).
ActivityReadReason activity_read_reason(const std::optional<ActivityPulse>& at_last_read,
                                        const std::optional<ActivityPulse>& now,
                                        std::chrono::steady_clock::duration since_last_read);

// `read` as it stands `seconds` later: every age it carries (oldest transaction, idle in
// transaction, longest query, oldest backend, each idle in transaction age) grown by `seconds`.
ActivitySnapshot aged_activity(ActivitySnapshot read, double seconds);

}  // namespace opsagent::probes
