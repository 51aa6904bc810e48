// libFuzzer target for the pool threshold parsers. Properties: they never crash; an error
// carries a message; an accepted threshold is in range for its form (a percentage above 0 and at
// most 100, a whole number of slots left 0..kMaxThresholdSlots, a count 1..kMaxThresholdSlots),
// and format_threshold renders it as text that parses back to the same threshold. The first 8
// bytes also go to threshold_from_count as a raw int64 (the TOML integer form).
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "config/syntax/threshold.hpp"

namespace {

using opsagent::config::format_threshold;
using opsagent::config::kMaxThresholdSlots;
using opsagent::config::parse_threshold_text;
using opsagent::config::Threshold;
using opsagent::config::threshold_from_count;
using Kind = Threshold::Kind;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool whole(double v) {
  return std::isfinite(v) && v == std::floor(v);
}

void check_accepted(const Threshold& t) {
  switch (t.kind) {
    case Kind::percent:
      check(t.value > 0 && t.value <= 100);
      break;
    case Kind::slots_left:
      check(whole(t.value) && t.value >= 0 && t.value <= kMaxThresholdSlots);
      break;
    case Kind::count:
      check(whole(t.value) && t.value >= 1 && t.value <= kMaxThresholdSlots);
      break;
  }
  const std::string text = format_threshold(t);
  check(!text.empty());
  if (t.kind == Kind::count) {
    // A count is a TOML integer in the file, so it reads back through threshold_from_count.
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    check(ec == std::errc{} && end == text.data() + text.size());
    const auto again = threshold_from_count(n);
    check(again.has_value() && *again == t);
  } else {
    const auto again = parse_threshold_text(text);
    check(again.has_value() && *again == t);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_threshold_text(text);
  if (parsed) {
    check(parsed->kind != Kind::count);  // counts are integers in the file, never strings
    check_accepted(*parsed);
  } else {
    check(!parsed.error().empty());
  }
  if (size >= sizeof(std::int64_t)) {
    std::int64_t count = 0;
    std::memcpy(&count, data, sizeof count);
    const auto from_count = threshold_from_count(count);
    if (from_count) {
      check(from_count->kind == Kind::count && from_count->value == static_cast<double>(count));
      check_accepted(*from_count);
    } else {
      check(!from_count.error().empty());
    }
  }
  return 0;
}
