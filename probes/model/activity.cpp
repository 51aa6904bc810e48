#include "probes/model/activity.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace opsagent::probes {

namespace {

std::optional<double> max_of(std::optional<double> a, std::optional<double> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

// Largest first; past kMaxGroups, the rest become one "(other)" group.
std::vector<GroupCount> top_groups(std::map<std::string, SessionCounts>&& groups) {
  std::vector<GroupCount> out;
  out.reserve(groups.size());
  for (auto& [key, counts] : groups) out.push_back({key, counts});
  std::ranges::stable_sort(out, [](const GroupCount& a, const GroupCount& b) {
    return a.counts.total > b.counts.total;
  });
  if (out.size() > ActivitySnapshot::kMaxGroups) {
    GroupCount other{ActivitySnapshot::kOtherGroup, {}};
    for (std::size_t i = ActivitySnapshot::kMaxGroups - 1; i < out.size(); ++i) {
      other.counts.add(out[i].counts);
    }
    out.resize(ActivitySnapshot::kMaxGroups - 1);
    out.push_back(std::move(other));
  }
  return out;
}

}  // namespace

void SessionCounts::add(const SessionCounts& o) {
  total += o.total;
  active += o.active;
  idle += o.idle;
  idle_in_transaction += o.idle_in_transaction;
  idle_in_transaction_aborted += o.idle_in_transaction_aborted;
  other += o.other;
  waiting_on_locks += o.waiting_on_locks;
  oldest_xact_s = max_of(oldest_xact_s, o.oldest_xact_s);
  oldest_idle_in_xact_s = max_of(oldest_idle_in_xact_s, o.oldest_idle_in_xact_s);
  longest_query_s = max_of(longest_query_s, o.longest_query_s);
}

int ActivitySnapshot::free_slots() const {
  return std::max(0, usable_slots - used() - 1);
}

double ActivitySnapshot::utilization() const {
  return usable_slots > 0 ? static_cast<double>(used()) / usable_slots : 1.0;
}

void count_state(SessionCounts& c, std::string_view state, int n) {
  c.total += n;
  if (state == "active") {
    c.active += n;
  } else if (state == "idle") {
    c.idle += n;
  } else if (state == "idle in transaction") {
    c.idle_in_transaction += n;
  } else if (state == "idle in transaction (aborted)") {
    c.idle_in_transaction_aborted += n;
  } else {
    c.other += n;
  }
}

ActivitySnapshot aggregate_activity(const std::vector<ActivityRow>& rows) {
  ActivitySnapshot a;
  std::map<std::string, SessionCounts> apps, users, dbs, addrs;
  for (const auto& row : rows) {
    a.sessions.add(row.counts);
    apps[row.application_name].add(row.counts);
    users[row.user].add(row.counts);
    dbs[row.database].add(row.counts);
    addrs[row.client_addr].add(row.counts);
  }
  for (const auto& [key, counts] : apps) a.all_applications.push_back({key, counts});
  for (const auto& row : rows) {
    if (row.superuser && std::ranges::find(a.superuser_applications, row.application_name) ==
                             a.superuser_applications.end()) {
      a.superuser_applications.push_back(row.application_name);
    }
  }
  a.by_application = top_groups(std::move(apps));
  a.by_user = top_groups(std::move(users));
  a.by_database = top_groups(std::move(dbs));
  a.by_client_addr = top_groups(std::move(addrs));
  return a;
}

std::vector<WaitEventCount> rank_wait_events(std::vector<WaitEventCount> events) {
  std::ranges::sort(events, [](const WaitEventCount& a, const WaitEventCount& b) {
    if (a.sessions != b.sessions) return a.sessions > b.sessions;
    return std::tie(a.type, a.event) < std::tie(b.type, b.event);
  });
  if (events.size() > ActivitySnapshot::kMaxWaitEvents) {
    WaitEventCount other{ActivitySnapshot::kOtherGroup, "", 0};
    for (std::size_t i = ActivitySnapshot::kMaxWaitEvents - 1; i < events.size(); ++i) {
      other.sessions += events[i].sessions;
    }
    events.resize(ActivitySnapshot::kMaxWaitEvents - 1);
    events.push_back(std::move(other));
  }
  return events;
}

std::string wait_event_name(const WaitEventCount& w) {
  if (w.type.empty() && w.event.empty()) return "(running)";
  if (w.event.empty()) return w.type;
  return w.type + "/" + w.event;
}

}  // namespace opsagent::probes
