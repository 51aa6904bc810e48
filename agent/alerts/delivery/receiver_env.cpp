#include "agent/alerts/delivery/receiver_env.hpp"

#include <fmt/format.h>

#include "agent/alerts/delivery/attempt.hpp"

namespace opsagent::alerts {

std::vector<std::string> receiver_env_findings(const config::Config& config,
                                               const config::Environment& env) {
  std::vector<std::string> out;
  if (!env) return out;
  const auto& receivers = config.alerts.receivers;
  for (std::size_t i = 0; i < receivers.size(); ++i) {
    const auto& r = receivers[i];
    if (r.url_env.empty() || r.type == config::AlertReceiver::Type::exec) continue;
    if (const auto value = env(r.url_env); !value || value->empty()) {
      continue;  // not known here: reported when sending
    }
    if (auto url = receiver_url(r, env); !url) {
      out.push_back(fmt::format(
          "alerts.receivers[{}].url_env (receiver \"{}\"): {}; until it does, notifications to "
          "this receiver fail",
          i, r.name, url.error()));
    }
  }
  return out;
}

}  // namespace opsagent::alerts
