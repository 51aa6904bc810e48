#include "config/diagnostics.hpp"

#include <algorithm>
#include <climits>

namespace opsagent::config {

Position position_of(const toml::source_region& region) {
  return {.line = static_cast<int>(region.begin.line),
          .column = static_cast<int>(region.begin.column)};
}

Position position_of(const toml::node& node) {
  return position_of(node.source());
}
Position position_of(const toml::key& key) {
  return position_of(key.source());
}

void Diagnostics::error(Position at, std::string key, std::string message) {
  errors_.push_back({.file = file_,
                     .line = at.line,
                     .column = at.line > 0 ? at.column : 0,
                     .key = std::move(key),
                     .message = std::move(message)});
}

void Diagnostics::error_outside_file(std::string key, std::string message) {
  errors_.push_back(
      {.file = {}, .line = 0, .column = 0, .key = std::move(key), .message = std::move(message)});
}

void Diagnostics::mark_set(const std::string& key, Position at) {
  set_at_[key] = at;
}

std::optional<Position> Diagnostics::where_set(std::string_view key) const {
  const auto it = set_at_.find(key);
  if (it == set_at_.end()) return std::nullopt;
  return it->second;
}

bool Diagnostics::has_error(std::string_view key) const {
  return std::ranges::any_of(errors_, [key](const ConfigError& e) { return e.key == key; });
}

bool Diagnostics::has_error_under(std::string_view key) const {
  return std::ranges::any_of(errors_, [key](const ConfigError& e) {
    if (!e.key.starts_with(key)) return false;
    // "readiness.httpx" is another key, not one inside "readiness.http".
    return e.key.size() == key.size() || e.key[key.size()] == '.' || e.key[key.size()] == '[';
  });
}

ConfigErrors Diagnostics::take() && {
  const auto order = [](const ConfigError& e) {
    return std::pair{e.line > 0 ? e.line : INT_MAX, e.column};
  };
  std::ranges::stable_sort(errors_, {}, order);
  return std::move(errors_);
}

}  // namespace opsagent::config
