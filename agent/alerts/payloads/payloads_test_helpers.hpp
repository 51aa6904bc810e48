// What the payload tests share: a notification and identity to render, fixed times, and checks
// of the bodies (well-formed UTF-8, character counts). Test code only. Thread-safety: pure.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agent/alerts/alert.hpp"
#include "agent/alerts/identity.hpp"

namespace opsagent::alerts::payload_testing {

using json = nlohmann::json;
using namespace std::chrono;
using namespace std::chrono_literals;

inline WallClock::time_point at(int h, int m, int s, int ms) {
  return WallClock::time_point(sys_days(year(2026) / 11 / 22)) + hours(h) + minutes(m) +
         seconds(s) + milliseconds(ms);
}

inline AgentIdentity who() {
  return {"db-agent-1", "db.internal:5432/app", "https://agent.example/status"};
}

inline Notification notification(NotificationKind kind = NotificationKind::firing) {
  Notification n;
  n.id = "msg_0123456789abcdef01234567";
  n.kind = kind;
  n.created = at(3, 4, 6, 0);
  Alert& a = n.alert;
  a.rule = "pool_saturation";
  a.labels = {{"alertname", "PostgresPoolSaturation"}, {"client", "web"}};
  a.fingerprint = fingerprint_of(a.labels);
  a.severity = Severity::critical;
  a.summary = "Postgres connections at 96% (93/97)";
  a.details = {"used 93 of 97 usable (100 - 3 reserved)", "web: 80 (idle 60, active 20)"};
  a.runbook_url = "https://runbooks.example/pool?team=db&x=1";
  a.starts_at = at(3, 4, 5, 123);
  if (kind == NotificationKind::resolved) a.ends_at = at(3, 9, 0, 0);
  return n;
}

// Well-formed UTF-8, checked independently of the implementation (nlohmann's parser also
// rejects ill-formed strings, but this states it outright).
inline bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

inline std::size_t chars(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

inline std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

inline bool ends_with(const std::string& s, std::string_view tail) {
  return s.ends_with(tail);
}

}  // namespace opsagent::alerts::payload_testing
