#include "config/syntax/choices.hpp"

#include <array>
#include <span>

#include "config/did_you_mean.hpp"
#include "config/syntax/ascii.hpp"
#include "config/syntax/quoting.hpp"

namespace opsagent::config {
namespace {

constexpr std::array<std::string_view, 7> kLogLevels{"trace", "debug",    "info", "warn",
                                                     "error", "critical", "off"};

std::string choices(std::span<const std::string_view> options) {
  std::string out;
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (i > 0) out += (i + 1 == options.size()) ? " or " : ", ";
    out += options[i];
  }
  return out;
}

// " (did you mean "info"?)" when `text` is a near miss, including a case slip like "INFO".
std::string choice_hint(std::string_view text, std::span<const std::string_view> options) {
  const std::string folded = to_lower(text);
  if (auto near = closest(folded, options)) return " (did you mean " + in_quotes(*near) + "?)";
  return {};
}

}  // namespace

std::expected<std::string, std::string> parse_log_level(std::string_view text) {
  if (std::ranges::find(kLogLevels, text) != kLogLevels.end()) return std::string(text);
  return std::unexpected(in_quotes(text) + " is not a log level; use " + choices(kLogLevels) +
                         choice_hint(text, kLogLevels));
}

std::expected<LogSection::Format, std::string> parse_log_format(std::string_view text) {
  constexpr std::array<std::string_view, 2> kFormats{"text", "json"};
  if (text == "text") return LogSection::Format::text;
  if (text == "json") return LogSection::Format::json;
  return std::unexpected(in_quotes(text) + " is not a log format; use text or json" +
                         choice_hint(text, kFormats));
}

std::expected<SuperviseSection::OnExit, std::string> parse_on_exit(std::string_view text) {
  constexpr std::array<std::string_view, 2> kActions{"exit", "restart"};
  if (text == "exit") return SuperviseSection::OnExit::exit;
  if (text == "restart") return SuperviseSection::OnExit::restart;
  return std::unexpected(in_quotes(text) +
                         " is not an on_exit action; use exit (the agent exits with the app's "
                         "status) or restart (the agent starts the app again)" +
                         choice_hint(text, kActions));
}

std::expected<ReadinessSection::Pressure, std::string> parse_on_pressure(std::string_view text) {
  constexpr std::array<std::string_view, 2> kRules{"warn", "not_ready"};
  if (text == "warn") return ReadinessSection::Pressure::warn;
  if (text == "not_ready") return ReadinessSection::Pressure::not_ready;
  return std::unexpected(in_quotes(text) +
                         " is not a pressure rule; use warn (a full database or pooler warns and "
                         "alerts, readiness stays) or not_ready (it makes the agent not ready)" +
                         choice_hint(text, kRules));
}

std::expected<PoolSection::Terminate, std::string> parse_terminate_mode(std::string_view text) {
  constexpr std::array<std::string_view, 3> kModes{"off", "dry_run", "on"};
  if (text == "off") return PoolSection::Terminate::off;
  if (text == "dry_run") return PoolSection::Terminate::dry_run;
  if (text == "on") return PoolSection::Terminate::on;
  return std::unexpected(in_quotes(text) +
                         " is not a termination mode; use off (never terminate), dry_run (log and "
                         "report the sessions that would be terminated) or on" +
                         choice_hint(text, kModes));
}

std::string_view to_string(PoolSection::Terminate mode) {
  switch (mode) {
    case PoolSection::Terminate::off:
      return "off";
    case PoolSection::Terminate::dry_run:
      return "dry_run";
    case PoolSection::Terminate::on:
      return "on";
  }
  return "off";
}

}  // namespace opsagent::config
