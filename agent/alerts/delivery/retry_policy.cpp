#include "agent/alerts/delivery/retry_policy.hpp"

#include <algorithm>
#include <charconv>

#include "common/text/time_format.hpp"

namespace opsagent::alerts {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr seconds kMaxRetryAfter = std::chrono::hours(1);

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

RetryDecision decide_retry(const AttemptResult& result, int attempts, const RetryPolicy& policy,
                           double jitter) {
  using Action = RetryDecision::Action;
  using Kind = AttemptResult::Kind;
  switch (result.kind) {
    case Kind::delivered:
      return {Action::done, milliseconds(0)};
    case Kind::config:
      return {Action::give_up, milliseconds(0)};
    case Kind::http_status: {
      const int s = result.status;
      if (s >= 200 && s < 300) return {Action::done, milliseconds(0)};
      if (s == 410) return {Action::disable, milliseconds(0)};
      if (s != 408 && s != 429 && !(s >= 500 && s < 600)) return {Action::give_up, milliseconds(0)};
      break;
    }
    case Kind::network:
    case Kind::timeout:
    case Kind::exec_failed:
      break;
  }
  const milliseconds cap = std::max(policy.max_backoff, milliseconds(1));
  milliseconds backoff = std::clamp(policy.first_backoff, milliseconds(1), cap);
  for (int i = 1; i < attempts && backoff < cap; ++i) {
    backoff = backoff > cap / 2 ? cap : backoff * 2;
  }
  if (!(jitter >= 0.0)) jitter = 0.0;  // NaN too
  if (jitter >= 1.0) jitter = 0.0;
  const milliseconds half = backoff / 2;
  const auto spread = static_cast<double>((backoff - half).count());
  milliseconds wait = half + milliseconds(static_cast<milliseconds::rep>(jitter * spread));
  if (wait >= backoff && backoff > milliseconds(0)) wait = backoff - milliseconds(1);
  if (result.retry_after) {
    const milliseconds asked = std::min(*result.retry_after, kMaxRetryAfter);
    if (asked > wait) wait = asked;
  }
  return {Action::retry, wait};
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      WallClock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (all_digits(value)) {
    if (value.size() > 9) return kMaxRetryAfter;
    int s = 0;
    std::from_chars(value.data(), value.data() + value.size(), s);
    return std::min(seconds(s), kMaxRetryAfter);
  }
  const auto when = common::parse_http_date(value);
  if (!when) return std::nullopt;
  if (*when <= now) return seconds(0);
  return std::min(std::chrono::ceil<seconds>(*when - now), kMaxRetryAfter);
}

}  // namespace opsagent::alerts
