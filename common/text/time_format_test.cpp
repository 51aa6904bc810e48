#include "common/text/time_format.hpp"

#include <gtest/gtest.h>

namespace opsagent::common {
namespace {

using namespace std::chrono;

constexpr WallClock::time_point kNovember6 =
    sys_days{year{1994} / November / 6} + hours(8) + minutes(49) + seconds(37);

TEST(HttpDate, AcceptsTheThreeFormsOfRfc9110) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kNovember6);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kNovember6);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), kNovember6);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), kNovember6);
  EXPECT_EQ(parse_http_date("Tuesday, 01-Jan-69 00:00:00 GMT"),
            WallClock::time_point{sys_days{year{2069} / January / 1}});
}

TEST(HttpDate, RejectsImpossibleOrForeignDates) {
  EXPECT_EQ(parse_http_date(""), std::nullopt);
  EXPECT_EQ(parse_http_date("120"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 31 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 CET"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 6 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("S1n, 06 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08-49-37 GMT"), std::nullopt);
}

TEST(Rfc3339, BeforeTheEpochCountsBackwards) {
  EXPECT_EQ(rfc3339(WallClock::time_point{} - milliseconds(1)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(rfc3339(kNovember6 + microseconds(7999)), "1994-11-06T08:49:37.007Z");
}

}  // namespace
}  // namespace opsagent::common
