// `opsagent test-alert`: one test notification to one receiver, resolved at once where the
// receiver would otherwise keep it open as an incident.
#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "agent/alerts/alert_book.hpp"
#include "agent/alerts/alerter.hpp"
#include "agent/alerts/delivery/delivery.hpp"
#include "agent/daemon/identity.hpp"
#include "agent/daemon/subcommand_config.hpp"
#include "agent/daemon/subcommands.hpp"
#include "config/load.hpp"
#include "config/syntax/duration.hpp"

namespace opsagent::daemon {

int test_alert_subcommand(const std::string& config_path, const std::string& receiver) {
  auto config = load_or_report(config_path, "opsagent test-alert: config: ");
  if (!config) return kUnknown;
  const auto& receivers = config->alerts.receivers;
  const auto it = std::ranges::find(receivers, receiver, &config::AlertReceiver::name);
  if (it == receivers.end()) {
    std::string known;
    for (const auto& r : receivers) known += (known.empty() ? "" : ", ") + r.name;
    std::cerr << "opsagent test-alert: no receiver named \"" << receiver << "\" in " << config_path
              << (known.empty() ? " (it has no [[alerts.receivers]])" : "; receivers: " + known)
              << "\n";
    return kUnknown;
  }
  const auto who = identity_for(*config);
  const auto env = config::process_environment();
  const auto send = [&](alerts::Notification n) {
    const auto start = SteadyClock::now();
    auto result = alerts::attempt_delivery(
        *it, alerts::DeliveryJob{.receiver = receiver, .notification = std::move(n)}, env, who,
        alerts::kAlertmanagerTtl);
    return std::pair{
        result, std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start)};
  };
  auto test = alerts::test_notification(receiver, who.database, WallClock::now());
  const auto [result, took] = send(test);
  if (result.kind != alerts::AttemptResult::Kind::delivered) {
    std::cerr << fmt::format("opsagent test-alert: not delivered to {}: {}\n", receiver,
                             result.error.empty() ? "failed" : result.error);
    return kCritical;
  }
  // PagerDuty and Alertmanager would keep the test open as an incident: close it at once.
  using Type = config::AlertReceiver::Type;
  if (it->type == Type::pagerduty || it->type == Type::alertmanager) {
    test.alert.ends_at = WallClock::now();
    auto resolve =
        alerts::notify(alerts::NotificationKind::resolved, test.alert, *test.alert.ends_at);
    if (const auto [closed, t] = send(std::move(resolve));
        closed.kind != alerts::AttemptResult::Kind::delivered) {
      std::cerr << fmt::format(
          "opsagent test-alert: the test was delivered but resolving it "
          "failed ({}); resolve it by hand\n",
          closed.error);
    }
  }
  std::cout << fmt::format("delivered a test notification to {} in {}\n", receiver,
                           config::format_duration(took));
  return kOk;
}

}  // namespace opsagent::daemon
