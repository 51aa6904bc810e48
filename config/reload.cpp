#include "config/reload.hpp"

#include <string_view>
#include <vector>

#include "config/keys.hpp"

namespace opsagent::config {

std::optional<std::string> restart_warning(const Config& in_force, const Config& next) {
  std::vector<std::string> restart_keys;
  bool changed = false;
  for (const auto& spec : config_keys()) {
    if (spec.reload != Reload::restart) continue;
    restart_keys.push_back(std::string(spec.section) + "." + std::string(spec.name));
    changed = changed || (spec.differs != nullptr && spec.differs(in_force, next));
  }
  if (!changed) return std::nullopt;
  std::string keys;
  for (std::size_t i = 0; i < restart_keys.size(); ++i) {
    if (i > 0) keys += (i + 1 == restart_keys.size()) ? " and " : ", ";
    keys += restart_keys[i];
  }
  return keys + " apply at the next restart";
}

}  // namespace opsagent::config
