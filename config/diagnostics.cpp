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

namespace {

// How many errors may pile up before they are cut back to the earliest kMaxReportedErrors.
constexpr std::size_t kCompactAt = 1000;

// File order; errors without a position last, in the order they were found (stable sorts).
std::pair<int, int> order(const ConfigError& e) {
  return {e.line > 0 ? e.line : INT_MAX, e.column};
}

}  // namespace

void Diagnostics::error(Position at, std::string key, std::string message) {
  error_keys_.insert(key);
  errors_.push_back({.file = file_,
                     .line = at.line,
                     .column = at.line > 0 ? at.column : 0,
                     .key = std::move(key),
                     .message = std::move(message)});
  if (errors_.size() >= kCompactAt) compact();
}

void Diagnostics::error_outside_file(std::string key, std::string message) {
  error_keys_.insert(key);
  outside_.push_back(
      {.file = {}, .line = 0, .column = 0, .key = std::move(key), .message = std::move(message)});
}

void Diagnostics::compact() {
  std::ranges::stable_sort(errors_, {}, order);
  if (errors_.size() <= kMaxReportedErrors) return;
  dropped_ += errors_.size() - kMaxReportedErrors;
  errors_.resize(kMaxReportedErrors);
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
  return error_keys_.contains(key);
}

bool Diagnostics::has_error_under(std::string_view key) const {
  // The keys that start with `key` sort together, right from it.
  for (auto it = error_keys_.lower_bound(key); it != error_keys_.end(); ++it) {
    if (!it->starts_with(key)) return false;
    // "readiness.httpx" is another key, not one inside "readiness.http".
    if (it->size() == key.size() || (*it)[key.size()] == '.' || (*it)[key.size()] == '[') {
      return true;
    }
  }
  return false;
}

ConfigErrors Diagnostics::take() && {
  compact();
  ConfigErrors out = std::move(errors_);
  for (auto& e : outside_) {
    if (out.size() < kMaxReportedErrors) {
      out.push_back(std::move(e));
    } else {
      ++dropped_;
    }
  }
  if (dropped_ > 0) {
    out.push_back({.file = file_,
                   .line = 0,
                   .column = 0,
                   .key = {},
                   .message = "and " + std::to_string(dropped_) +
                              " more problems not listed; fix these first, then run opsagent "
                              "validate again"});
  }
  return out;
}

}  // namespace opsagent::config
