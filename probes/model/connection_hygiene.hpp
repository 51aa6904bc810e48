// Connections the app should not be holding: sessions of a declared client ([[pool.clients]])
// named after a worker process that no longer runs (leaked: in supervise mode the agent knows
// the app's live processes), and sessions left idle in a transaction, per client, against
// pool.idle_in_transaction_warn. Pure judgement of an ActivitySnapshot; the live PIDs come from
// the probe loop (probes/container/process_tree.hpp). Thread-safety: plain values and pure
// functions; LeakConfirmation is owned by one thread (the probe loop).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "probes/model/activity.hpp"
#include "probes/model/check_result.hpp"

namespace opsagent::probes {

// The sessions of one application_name whose worker is gone.
struct LeakedConnections {
  std::string client;            // the [[pool.clients]] name
  std::string application_name;  // e.g. "web:1234"
  int worker_pid = 0;            // the number the pattern's '*' matched
  int sessions = 0;
  std::optional<double> oldest_s;  // age of the oldest of them (since backend_start)
  bool operator==(const LeakedConnections&) const = default;
};

// One declared client's sessions idle in a transaction.
struct ClientIdleInTransaction {
  std::string client;
  int sessions = 0;   // idle in transaction now (aborted ones included)
  int past_warn = 0;  // of those, idle for idle_in_transaction_warn or longer
  std::optional<double> oldest_s;
  bool operator==(const ClientIdleInTransaction&) const = default;
};

struct ConnectionHygiene {
  // Leaks are looked for only in supervise mode, while the app's process tree was readable.
  bool leaks_checked = false;
  std::vector<LeakedConnections> leaked;                     // oldest first, at most kMaxLeaked
  int leaked_sessions = 0;                                   // all of them, also past kMaxLeaked
  std::vector<ClientIdleInTransaction> idle_in_transaction;  // every declared client, config order
  config::Duration idle_in_transaction_warn{0};

  static constexpr std::size_t kMaxLeaked = 20;  // bounds the views and metric labels
};

// The worker PID an application_name names under a client's pattern: the text its single '*'
// matched, when that is a positive decimal number ("web:*" and "web:1234" give 1234). nullopt
// when the name does not match, the pattern has no or several '*', or the part is not a PID.
std::optional<int> worker_pid(std::string_view pattern, std::string_view application_name);

// Whether a session comes from the agent's own host (container): its client address equals the
// agent's session's, or it is a unix-socket session ("local"), which can only come from the
// database's host. The old deployment's workers during a deploy connect from another address.
bool from_agent_host(std::string_view client_addr, std::string_view own_addr);

// `live_pids`: the app's processes (supervise mode); nullopt: leaks are not looked for.
ConnectionHygiene assess_hygiene(const ActivitySnapshot& activity, const config::PoolSection& pool,
                                 const std::optional<std::set<int>>& live_pids);

// "pool:leaked" (only when leaks were looked for) and "pool:idle_in_transaction" (when clients
// are declared): warnings that never gate readiness.
std::vector<CheckResult> hygiene_checks(const ConnectionHygiene& h);

// A worker that exits closes its sessions a moment later: a session seen in one cycle whose
// worker is gone by the process read right after may just be closing. Reported as leaked only
// once two consecutive cycles saw it.
class LeakConfirmation {
 public:
  // Keeps in `h` the leaks also seen by the previous call, and recounts leaked_sessions.
  void confirm(ConnectionHygiene& h);

 private:
  std::set<std::string> previous_;
};

}  // namespace opsagent::probes
