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
      return "a login, or sessions came, went or were replaced";
    case ActivityReadReason::in_transaction:
      return "a session is in a transaction";
    case ActivityReadReason::due:
      return "refresh due";
  }
  return "unknown";
}

namespace {
bool in_transaction(const ActivityPulse& p) {
  return p.status && p.status->in_transaction > 0;
}
}  // namespace

bool status_pulse_due(const std::optional<ActivityPulse>& at_last_read,
                      std::chrono::steady_clock::duration since_last_status) {
  if (!at_last_read || in_transaction(*at_last_read)) return false;
  return since_last_status >= kStatusPulseEvery;
}

ActivityReadReason activity_read_reason(const std::optional<ActivityPulse>& at_last_read,
                                        const std::optional<ActivityPulse>& now,
                                        std::chrono::steady_clock::duration since_last_read) {
  if (!at_last_read) return ActivityReadReason::first;
  if (!now) return ActivityReadReason::pulse_unreadable;
  if (in_transaction(*now) || in_transaction(*at_last_read)) {
    return ActivityReadReason::in_transaction;
  }
  if (now->sessions_started != at_last_read->sessions_started ||
      now->full_view != at_last_read->full_view ||
      (now->status && now->status != at_last_read->status)) {
    return ActivityReadReason::sessions_changed;
  }
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
