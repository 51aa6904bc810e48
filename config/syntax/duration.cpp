#include "config/syntax/duration.hpp"

#include <array>
#include <bit>
#include <cstdint>

namespace opsagent::config {
namespace {

struct Unit {
  std::string_view name;
  std::uint64_t ms;
};

// Largest first: parse_duration insists on this order within one duration and format_duration
// builds its candidates from it.
constexpr std::array<Unit, 4> kUnits{{{"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}}};
constexpr std::uint64_t kMaxMs = static_cast<std::uint64_t>(Duration::max().count());
constexpr std::string_view kUseUnits = " (use ms, s, m or h)";

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Built by appending: g++ 12 at -O3 reports a false -Wrestrict for a one-character literal
// prepended to a temporary string ("\"" + std::string(s)), which fails a Release -Werror build.
std::string quote(std::string_view s) {
  std::string out = "\"";
  out.append(s).append("\"");
  return out;
}

// Explains a character that cannot appear where it was found, with the fix for the usual cause.
std::string unexpected_char(std::string_view text, std::size_t pos) {
  const char c = text[pos];
  if (c == '-') return "a duration cannot be negative";
  if (c == '+') return "no sign allowed; write e.g. \"5s\"";
  if (c == ' ' || c == '\t') return "no spaces allowed; write the groups together, e.g. \"1m30s\"";
  if (c == '.' || c == ',')
    return "no fractions allowed; write e.g. \"1500ms\" instead of \"1.5s\"";
  if (is_letter(c))
    return "expected a number before the unit at position " + std::to_string(pos + 1);
  const auto code = static_cast<unsigned char>(c);
  if (code < 0x20 || code >= 0x7f) {
    return "unexpected non-printable character at position " + std::to_string(pos + 1);
  }
  return "unexpected character '" + std::string(1, c) + "' at position " + std::to_string(pos + 1);
}

// Index into kUnits, or kUnits.size() when `word` is not a unit.
std::size_t unit_index(std::string_view word) {
  std::size_t i = 0;
  while (i < kUnits.size() && kUnits[i].name != word) ++i;
  return i;
}

// Accumulates with overflow checks because the config is untrusted input.
bool add_group(std::uint64_t& total, std::string_view digits, std::uint64_t unit_ms) {
  std::uint64_t n = 0;
  for (char c : digits) {
    if (__builtin_mul_overflow(n, 10u, &n) ||
        __builtin_add_overflow(n, static_cast<unsigned>(c - '0'), &n)) {
      return false;
    }
  }
  std::uint64_t ms = 0;
  if (__builtin_mul_overflow(n, unit_ms, &ms) || __builtin_add_overflow(total, ms, &total)) {
    return false;
  }
  return total <= kMaxMs;
}

std::string span_of(std::string_view text, std::size_t& pos, bool (*pred)(char)) {
  const std::size_t start = pos;
  while (pos < text.size() && pred(text[pos])) ++pos;
  return std::string(text.substr(start, pos - start));
}

// Writes `ms` using exactly the units in `mask` (bit i = kUnits[i]), each with a nonzero count;
// empty when that is impossible.
std::string render_with(std::uint64_t ms, unsigned mask) {
  std::string out;
  for (std::size_t i = 0; i < kUnits.size(); ++i) {
    if ((mask & (1u << i)) == 0) continue;
    const std::uint64_t count = ms / kUnits[i].ms;
    if (count == 0) return {};
    out += std::to_string(count);
    out += kUnits[i].name;
    ms -= count * kUnits[i].ms;
  }
  return ms == 0 ? out : std::string{};
}

}  // namespace

std::expected<Duration, std::string> parse_duration(std::string_view text) {
  if (text.empty()) return std::unexpected("empty; write a number and a unit, e.g. \"5s\"");
  std::uint64_t total = 0;
  std::size_t pos = 0;
  std::size_t previous_unit = kUnits.size();  // none yet
  bool first = true;
  while (pos < text.size()) {
    if (!is_digit(text[pos])) return std::unexpected(unexpected_char(text, pos));
    const std::string digits = span_of(text, pos, is_digit);
    if (pos == text.size())
      return std::unexpected("missing unit after " + quote(digits) + std::string(kUseUnits));
    if (!is_letter(text[pos])) return std::unexpected(unexpected_char(text, pos));
    const std::string word = span_of(text, pos, is_letter);
    const std::size_t unit = unit_index(word);
    if (unit == kUnits.size())
      return std::unexpected("unknown unit " + quote(word) + std::string(kUseUnits));
    // "1s1m" or "1m1m" is far more likely a typo than an intended sum.
    if (!first && unit <= previous_unit) {
      return std::unexpected(
          "units must go from largest to smallest, each at most once, e.g. \"1h30m\" or "
          "\"1s500ms\"");
    }
    if (!add_group(total, digits, kUnits[unit].ms)) return std::unexpected("too large");
    previous_unit = unit;
    first = false;
  }
  return Duration{static_cast<Duration::rep>(total)};
}

std::string format_duration(Duration d) {
  if (d.count() == 0) return "0s";
  // Config values are never negative, but diagnostics should still print something exact.
  const bool negative = d.count() < 0;
  const std::uint64_t ms = negative ? static_cast<std::uint64_t>(-(d.count() + 1)) + 1
                                    : static_cast<std::uint64_t>(d.count());
  // Trying every combination of units is cheap (15 candidates) and makes "shortest" literal;
  // on a tie, fewer groups read better.
  std::string best;
  unsigned best_mask = 0;
  for (unsigned mask = 1; mask < (1u << kUnits.size()); ++mask) {
    std::string candidate = render_with(ms, mask);
    if (candidate.empty()) continue;
    const bool shorter =
        candidate.size() < best.size() ||
        (candidate.size() == best.size() && std::popcount(mask) < std::popcount(best_mask));
    if (best.empty() || shorter) {
      best = std::move(candidate);
      best_mask = mask;
    }
  }
  return negative ? "-" + best : best;
}

}  // namespace opsagent::config
