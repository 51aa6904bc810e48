#include "common/text/time_format.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include <fmt/format.h>

namespace opsagent::common {

std::string format_elapsed(double s) {
  if (s < 1) return fmt::format("{}ms", std::lround(s * 1000));
  if (s < 60) return fmt::format("{:.1f}s", s);
  const auto whole = static_cast<long>(s);
  if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  if (whole < 86400) return fmt::format("{}h{:02}m", whole / 3600, whole % 3600 / 60);
  return fmt::format("{}d{:02}h", whole / 86400, whole % 86400 / 3600);
}

namespace {

// `s` as a number of min_digits..max_digits decimal digits; nullopt otherwise.
std::optional<int> digits_to_int(std::string_view s, std::size_t min_digits,
                                 std::size_t max_digits) {
  if (s.size() < min_digits || s.size() > max_digits) return std::nullopt;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value;
}

int month_number(std::string_view m) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (m == kMonths[i]) return i + 1;
  }
  return 0;
}

}  // namespace

std::string rfc3339(WallClock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

std::optional<WallClock::time_point> parse_http_date(std::string_view text) {
  std::vector<std::string_view> t;
  for (std::size_t i = 0; i < text.size();) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != ',') ++i;
    if (i > start) t.push_back(text.substr(start, i - start));
  }
  std::optional<int> day;
  std::optional<int> year;
  int month = 0;
  std::string_view clock;
  std::string_view zone = "GMT";
  if (t.size() == 6) {  // Sun, 06 Nov 1994 08:49:37 GMT
    day = digits_to_int(t[1], 2, 2);
    month = month_number(t[2]);
    year = digits_to_int(t[3], 4, 4);
    clock = t[4];
    zone = t[5];
  } else if (t.size() == 4) {  // Sunday, 06-Nov-94 08:49:37 GMT
    const auto d = t[1];
    if (d.size() != 9 || d[2] != '-' || d[6] != '-') return std::nullopt;
    day = digits_to_int(d.substr(0, 2), 2, 2);
    month = month_number(d.substr(3, 3));
    if (auto yy = digits_to_int(d.substr(7, 2), 2, 2)) year = *yy < 70 ? 2000 + *yy : 1900 + *yy;
    clock = t[2];
    zone = t[3];
  } else if (t.size() == 5) {  // Sun Nov  6 08:49:37 1994
    month = month_number(t[1]);
    day = digits_to_int(t[2], 1, 2);
    clock = t[3];
    year = digits_to_int(t[4], 4, 4);
  } else {
    return std::nullopt;
  }
  if (t[0].empty() || !std::all_of(t[0].begin(), t[0].end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      })) {
    return std::nullopt;
  }
  if (zone != "GMT" && zone != "UTC") return std::nullopt;
  if (!day || !year || month == 0 || clock.size() != 8 || clock[2] != ':' || clock[5] != ':') {
    return std::nullopt;
  }
  const auto h = digits_to_int(clock.substr(0, 2), 2, 2);
  const auto m = digits_to_int(clock.substr(3, 2), 2, 2);
  const auto s = digits_to_int(clock.substr(6, 2), 2, 2);
  if (!h || !m || !s || *h > 23 || *m > 59 || *s > 60) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{*year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::hours(*h) + std::chrono::minutes(*m) +
         std::chrono::seconds(*s);
}

}  // namespace opsagent::common
