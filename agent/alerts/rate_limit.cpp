#include "agent/alerts/rate_limit.hpp"

#include <utility>

#include <fmt/format.h>

#include "agent/alerts/alert_book.hpp"

namespace opsagent::alerts {

void RateLimit::expire(WallClock::time_point now) {
  while (!sent_.empty() && now - sent_.front() >= std::chrono::hours(1)) sent_.pop_front();
}

bool RateLimit::allow(WallClock::time_point now, int max_per_hour) {
  expire(now);
  if (static_cast<int>(sent_.size()) >= max_per_hour) return false;
  sent_.push_back(now);
  return true;
}

int RateLimit::take_summary(WallClock::time_point now, int max_per_hour) {
  if (suppressed_ == 0 || !allow(now, max_per_hour)) return 0;
  return std::exchange(suppressed_, 0);
}

void RateLimit::restore(std::vector<WallClock::time_point> sent, int suppressed) {
  sent_.assign(sent.begin(), sent.end());
  suppressed_ = suppressed;
}

Notification suppressed_summary(int count, int max_per_hour, WallClock::time_point now,
                                const std::string& database) {
  Alert a;
  a.rule = "rate_limit";
  a.labels = {{"alertname", "OpsagentNotificationsSuppressed"}, {"database", database}};
  a.fingerprint = fingerprint_of(a.labels);
  a.severity = Severity::warning;
  a.summary = fmt::format("{} more notification{} suppressed by the rate limit", count,
                          count == 1 ? " was" : "s were");
  a.details = {fmt::format("alerts.max_per_hour = {}; resolves are never suppressed", max_per_hour),
               "see /status for the alerts firing now"};
  a.starts_at = now;
  auto n = notify(NotificationKind::suppressed, a, now);
  n.suppressed_count = count;
  return n;
}

}  // namespace opsagent::alerts
