#include "config/syntax/draining_seconds.hpp"

#include <algorithm>

#include "config/syntax/ascii.hpp"
#include "config/syntax/quoting.hpp"

namespace opsagent::config {

std::expected<int, std::string> parse_draining_seconds(std::string_view text) {
  const std::string use = "; use a whole number of seconds from 0 to " +
                          std::to_string(kMaxDrainingSeconds) +
                          " (Railway's time from SIGTERM to SIGKILL)";
  const bool digits = !text.empty() && std::ranges::all_of(text, is_digit);
  if (!digits) {
    const bool negative =
        text.size() > 1 && text.front() == '-' && std::ranges::all_of(text.substr(1), is_digit);
    return std::unexpected(in_quotes(text) + (negative ? " is negative" : " is not a number") +
                           use);
  }
  // Compared as text first, so that a long run of digits cannot overflow.
  const std::size_t significant = text.size() - std::min(text.find_first_not_of('0'), text.size());
  if (significant > 4 || std::stoi(std::string(text)) > kMaxDrainingSeconds) {
    return std::unexpected(in_quotes(text) + " is out of range" + use);
  }
  return std::stoi(std::string(text));
}

}  // namespace opsagent::config
