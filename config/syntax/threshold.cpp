#include "config/syntax/threshold.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

#include "config/syntax/ascii.hpp"
#include "config/syntax/quoting.hpp"

namespace opsagent::config {
namespace {

using Kind = Threshold::Kind;

bool all_digits(std::string_view text) {
  return !text.empty() && std::ranges::all_of(text, is_digit);
}

// Digits, optionally a '.' and more digits: the only number syntax a percentage accepts, so that
// "1e2", "inf", "nan", "+80" or ".5" (all of which from_chars or strtod would take) are refused.
bool is_decimal(std::string_view text) {
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return all_digits(text);
  return all_digits(text.substr(0, dot)) && all_digits(text.substr(dot + 1));
}

std::expected<Threshold, std::string> parse_percent(std::string_view text) {
  const std::string_view number = text.substr(0, text.size() - 1);
  const std::string out_of_range =
      in_quotes(text) + " is out of range; a percentage must be above 0% and at most 100%";
  if (!number.empty() && number.front() == '-') return std::unexpected(out_of_range);
  if (!is_decimal(number)) {
    return std::unexpected(in_quotes(text) +
                           " is not a percentage; write a number above 0 and at most 100, then "
                           "%, like \"80%\" or \"92.5%\"");
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  // A syntactically valid decimal too large for a double is simply out of range.
  if (ec == std::errc::result_out_of_range) return std::unexpected(out_of_range);
  if (ec != std::errc{} || end != number.data() + number.size()) {
    return std::unexpected(in_quotes(text) + " is not a percentage");
  }
  if (!(value > 0 && value <= 100)) return std::unexpected(out_of_range);
  return Threshold{.kind = Kind::percent, .value = value};
}

std::expected<Threshold, std::string> parse_slots_left(std::string_view text) {
  const std::string_view number = text.substr(1);
  if (!all_digits(number)) {
    return std::unexpected(in_quotes(text) +
                           " is not a number of slots left; write a minus sign and a whole "
                           "number, like \"-5\" (at most 5 usable slots left) or \"-0\" (none "
                           "left)");
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc{} || value > static_cast<std::uint64_t>(kMaxThresholdSlots)) {
    return std::unexpected(in_quotes(text) + " is out of range; Postgres allows at most " +
                           std::to_string(kMaxThresholdSlots) +
                           " connections, so write \"-0\" to \"-" +
                           std::to_string(kMaxThresholdSlots) + "\"");
  }
  return Threshold{.kind = Kind::slots_left, .value = static_cast<double>(value)};
}

}  // namespace

std::string_view threshold_forms() {
  return "\"80%\" (a percentage of the usable slots), an integer like 85 (connections in use) or "
         "\"-5\" (at most 5 usable slots left)";
}

std::expected<Threshold, std::string> parse_threshold_text(std::string_view text) {
  if (text.empty())
    return std::unexpected("the threshold is empty; use " + std::string(threshold_forms()));
  if (text.back() == '%') return parse_percent(text);
  if (text.front() == '-') return parse_slots_left(text);
  // A quoted number is ambiguous (the user may have meant any of the three forms), so it is
  // refused with all three spelt out rather than guessed. Only short ones, which a person would
  // write, get the hint: it repeats the number three times.
  if (all_digits(text) && text.size() <= 6) {
    const std::string n(text);
    return std::unexpected(in_quotes(text) + " is a number in quotes; write " + n +
                           " without quotes for a count of connections in use, \"-" + n +
                           "\" for at most " + n + " slots left, or \"" + n +
                           "%\" for a percentage");
  }
  return std::unexpected(in_quotes(text) + " is not a threshold; use " +
                         std::string(threshold_forms()));
}

std::expected<Threshold, std::string> threshold_from_count(std::int64_t count) {
  if (count < 0) {
    // Almost certainly meant as slots left, which has to be a string to be told apart.
    const std::string n = std::to_string(count);
    return std::unexpected(n + " is not a count of connections; to mean at most " + n.substr(1) +
                           " usable slots left, write it in quotes: \"" + n + "\"");
  }
  if (count == 0) {
    return std::unexpected(
        "0 is out of range; a count of connections in use must be at least 1 (to mean no usable "
        "slots left, write \"-0\")");
  }
  if (count > kMaxThresholdSlots) {
    return std::unexpected(std::to_string(count) + " is out of range; Postgres allows at most " +
                           std::to_string(kMaxThresholdSlots) +
                           " connections, so a count above that is never reached");
  }
  return Threshold{.kind = Kind::count, .value = static_cast<double>(count)};
}

std::string format_threshold(const Threshold& threshold) {
  // Shortest fixed notation that reads back as the same double: 80 -> "80", 92.5 -> "92.5",
  // never "8e+01". Large enough for any finite double in fixed notation.
  char buffer[400];
  const double value = threshold.value == 0 ? 0.0 : threshold.value;  // no "-0" from -0.0
  const auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
  std::string number = ec == std::errc{} ? std::string(buffer, end) : std::string("?");
  switch (threshold.kind) {
    case Kind::percent:
      return number + "%";
    case Kind::count:
      return number;
    case Kind::slots_left:
      return "-" + number;
  }
  return number;
}

}  // namespace opsagent::config
