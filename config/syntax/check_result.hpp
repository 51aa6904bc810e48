// Test helpers for the syntax checks: the error text of a failed check, readable on success.
// Included by the syntax tests only. Thread-safety: pure functions.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace opsagent::config {

// The error text of a failed check; on success a text that fails any comparison readably.
template <class T>
inline std::string error_of(const std::expected<T, std::string>& r) {
  return r ? std::string("<accepted>") : r.error();
}

inline bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace opsagent::config
