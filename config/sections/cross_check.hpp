// Helpers of the cross-checks (rules over several keys). Internal to the config module.
// Thread-safety: pure functions over one load's Diagnostics.
#pragma once

#include <algorithm>
#include <optional>

#include "config/config.hpp"
#include "config/diagnostics.hpp"

namespace opsagent::config {

// Where to point for a rule over several keys: the first of them set in the file, if any.
template <class Keys>
Position first_set(const Diagnostics& diag, const Keys& keys) {
  for (const auto& key : keys) {
    if (auto at = diag.where_set(key)) return *at;
  }
  return {};
}

// Whether any of `keys` was reported: its value is then still the default, and a rule over it
// would make a misleading second message.
template <class Keys>
bool any_error(const Diagnostics& diag, const Keys& keys) {
  return std::ranges::any_of(keys, [&](const auto& k) { return diag.has_error(k); });
}

// Whether threshold `later` is reached strictly after `earlier` as use grows: a higher
// percentage or count, or fewer slots left. nullopt when their forms differ: "80%" and "-5"
// cross over depending on max_connections, so they cannot be compared.
inline std::optional<bool> comes_after(const Threshold& later, const Threshold& earlier) {
  if (later.kind != earlier.kind) return std::nullopt;
  return later.kind == Threshold::Kind::slots_left ? later.value < earlier.value
                                                   : later.value > earlier.value;
}

}  // namespace opsagent::config
