// The global notification rate limit: at most alerts.max_per_hour notifications in any hour,
// resolves excepted (the on-call must always hear that it is over). What is held back is
// counted and summarised ("N more notifications suppressed") once the window has room again.
// Thread-safety: not thread-safe; the Alerter serialises access.
#pragma once

#include <deque>
#include <vector>

#include "agent/alerts/alert.hpp"

namespace opsagent::alerts {

class RateLimit {
 public:
  // True when one more notification may go out at `now` (and counts it).
  bool allow(WallClock::time_point now, int max_per_hour);
  void suppress() { ++suppressed_; }
  // Takes the count of suppressed notifications to summarise, when there is room to send the
  // summary now (which counts as one notification); 0 otherwise.
  int take_summary(WallClock::time_point now, int max_per_hour);

  int suppressed() const { return suppressed_; }
  std::vector<WallClock::time_point> sent() const { return {sent_.begin(), sent_.end()}; }
  void restore(std::vector<WallClock::time_point> sent, int suppressed);

 private:
  void expire(WallClock::time_point now);
  std::deque<WallClock::time_point> sent_;
  int suppressed_ = 0;
};

// The summary notification itself: a one-off message for chat-like receivers (webhook, slack,
// exec). PagerDuty and Alertmanager would keep it open as an incident, so it is not routed there.
Notification suppressed_summary(int count, int max_per_hour, WallClock::time_point now,
                                const std::string& database);

}  // namespace opsagent::alerts
