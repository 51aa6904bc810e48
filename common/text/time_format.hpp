// Wall-clock times as people and other systems read them. Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace opsagent::common {

// RFC 3339 in UTC with milliseconds, "2026-12-02T04:07:25.123Z": JSON bodies, alert payloads,
// log lines and the status views all write times this one way.
std::string rfc3339(WallClock::time_point t);

// A span of time as the on-call reads it, scaled to the largest unit that keeps two significant
// parts: "350ms", "4.2s", "12m34s", "3h05m", "2d04h". The status views, check messages and alert
// summaries all write elapsed times this one way.
std::string format_elapsed(double seconds);

// An HTTP-date (RFC 9110 5.6.7) as servers send it in Retry-After: IMF-fixdate
// ("Sun, 06 Nov 1994 08:49:37 GMT") and the obsolete RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT")
// and asctime ("Sun Nov  6 08:49:37 1994") forms; "UTC" is accepted for "GMT". nullopt when the
// text is none of them or names an impossible date or time.
std::optional<WallClock::time_point> parse_http_date(std::string_view text);

}  // namespace opsagent::common
