// [log]: level and format (the environment overrides them: see load.cpp).
#include <array>

#include "config/key_types.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/choices.hpp"

namespace opsagent::config {
namespace {

void set_log_level(const toml::node& value, const std::string& key, Config& c, Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"info\"", diag);
  if (!text) return;
  auto level = parse_log_level(*text);
  if (!level) return report(diag, value, key, level.error());
  c.log.level = std::move(*level);
}

void set_log_format(const toml::node& value, const std::string& key, Config& c, Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"text\"", diag);
  if (!text) return;
  const auto format = parse_log_format(*text);
  if (!format) return report(diag, value, key, format.error());
  c.log.format = *format;
}

using Key = KeySpec<Config>;

const std::array kKeys{
    Key{"log", "level", custom<&set_log_level>("string"), "\"info\"", Reload::live,
        "trace, debug, info, warn, error, critical or off (OPSAGENT_LOG_LEVEL overrides)"},
    Key{"log", "format", custom<&set_log_format>("string"), "\"text\"", Reload::live,
        "text (for people) or json (one object per line); OPSAGENT_LOG_FORMAT overrides"},
};

}  // namespace

std::span<const KeySpec<Config>> log_keys() {
  return kKeys;
}

}  // namespace opsagent::config
