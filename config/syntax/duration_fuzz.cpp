// libFuzzer target for the duration parser. Properties: it never crashes; an error carries a
// message; a parsed duration is not negative and format_duration renders it as text that parses
// back to the same value. The first 8 bytes also go to format_duration as a raw count of
// milliseconds (any int64, negative ones included), which must render the same way.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "config/syntax/duration.hpp"

namespace {

using opsagent::config::Duration;
using opsagent::config::format_duration;
using opsagent::config::parse_duration;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_round_trip(Duration d) {
  const std::string text = format_duration(d);
  check(!text.empty());
  const auto again = parse_duration(text);
  if (d.count() < 0) {
    check(text.front() == '-' && !again);  // rendered for messages; never accepted as config
    return;
  }
  check(again.has_value() && *again == d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_duration(text);
  if (parsed) {
    check(parsed->count() >= 0);
    check_round_trip(*parsed);
  } else {
    check(!parsed.error().empty());
  }
  if (size >= sizeof(std::int64_t)) {
    std::int64_t ms = 0;
    std::memcpy(&ms, data, sizeof ms);
    check_round_trip(Duration{ms});
  }
  return 0;
}
