#include "agent/alerts/payloads/exec_environment.hpp"

#include "agent/alerts/payloads/body_parts.hpp"

namespace opsagent::alerts {

using namespace payload_parts;

namespace {

constexpr std::size_t kMaxEnvValueBytes = 4096;

}  // namespace

std::vector<std::string> exec_environment(const Notification& n, const AgentIdentity& who) {
  const Alert& a = n.alert;
  auto var = [](std::string_view name, std::string_view value) {
    std::string v(value);
    std::erase(v, '\0');  // cannot appear in an environment
    return std::string(name) + "=" + common::cut_bytes(common::valid_utf8(v), kMaxEnvValueBytes);
  };
  return {
      var("OPSAGENT_ALERT_ID", n.id),
      var("OPSAGENT_ALERT_KIND", to_string(n.kind)),
      var("OPSAGENT_ALERT_STATUS", status_of(n)),
      var("OPSAGENT_ALERT_RULE", a.rule),
      var("OPSAGENT_ALERT_NAME", alertname_of(a)),
      var("OPSAGENT_ALERT_SEVERITY", to_string(a.severity)),
      var("OPSAGENT_ALERT_FINGERPRINT", a.fingerprint),
      var("OPSAGENT_ALERT_SUMMARY", a.summary),
      var("OPSAGENT_ALERT_DETAILS", join_lines(a.details)),
      var("OPSAGENT_ALERT_STARTS_AT", common::rfc3339(a.starts_at)),
      var("OPSAGENT_ALERT_ENDS_AT",
          is_resolved(n) ? common::rfc3339(a.ends_at.value_or(n.created)) : std::string()),
      var("OPSAGENT_ALERT_RUNBOOK_URL", a.runbook_url),
      var("OPSAGENT_ALERT_INSTANCE", who.instance),
  };
}

}  // namespace opsagent::alerts
