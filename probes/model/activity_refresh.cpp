#include "probes/model/activity_refresh.hpp"

#include <vector>

namespace opsagent::probes {

namespace {

void grow(std::optional<double>& age, double seconds) {
  if (age) *age += seconds;
}

void grow(SessionCounts& c, double seconds) {
  grow(c.oldest_xact_s, seconds);
  grow(c.oldest_idle_in_xact_s, seconds);
  grow(c.longest_query_s, seconds);
}

void grow(std::vector<GroupCount>& groups, double seconds) {
  for (auto& g : groups) grow(g.counts, seconds);
}

}  // namespace

std::string_view to_string(ActivityReadReason r) {
  switch (r) {
    case ActivityReadReason::none:
      return "none";
    case ActivityReadReason::first:
      return "first read on this connection";
    case ActivityReadReason::pulse_unreadable:
      return "the pulse was unreadable";
    case ActivityReadReason::sessions_changed:
      return "sessions came or went";
    case ActivityReadReason::in_transaction:
      return "a session is in a transaction";
    case ActivityReadReason::due:
      return "refresh due";
  }
  return "unknown";
}

ActivityReadReason activity_read_reason(const std::optional<ActivityPulse>& at_last_read,
                                        const std::optional<ActivityPulse>& now,
                                        std::chrono::steady_clock::duration since_last_read) {
  if (!at_last_read) return ActivityReadReason::first;
  if (!now) return ActivityReadReason::pulse_unreadable;
  if (now->in_transaction > 0 || at_last_read->in_transaction > 0) {
    return ActivityReadReason::in_transaction;
  }
  if (*now != *at_last_read) return ActivityReadReason::sessions_changed;
  if (since_last_read >= kActivityRefresh) return ActivityReadReason::due;
  return ActivityReadReason::none;
}

ActivitySnapshot aged_activity(ActivitySnapshot read, double seconds) {
  if (seconds <= 0) return read;
  grow(read.sessions, seconds);
  grow(read.by_application, seconds);
  grow(read.by_user, seconds);
  grow(read.by_database, seconds);
  grow(read.by_client_addr, seconds);
  grow(read.all_applications, seconds);
  for (auto& row : read.rows) {
    grow(row.counts, seconds);
    grow(row.oldest_backend_s, seconds);
    for (double& age : row.idle_in_xact_ages) age += seconds;
  }
  return read;
}

}  // namespace opsagent::probes
