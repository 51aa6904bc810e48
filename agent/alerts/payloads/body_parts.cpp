#include "agent/alerts/payloads/body_parts.hpp"

#include <fmt/format.h>

namespace opsagent::alerts::payload_parts {

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Notification sanitized(const Notification& in) {
  Notification n = in;
  n.id = common::valid_utf8(in.id);
  Alert& a = n.alert;
  a.rule = common::valid_utf8(in.alert.rule);
  a.fingerprint = common::valid_utf8(in.alert.fingerprint);
  a.labels.clear();
  for (const auto& [k, v] : in.alert.labels)
    a.labels[common::valid_utf8(k)] = common::valid_utf8(v);
  a.summary = common::valid_utf8(in.alert.summary);
  for (auto& line : a.details)
    line = common::cut_bytes(common::valid_utf8(line), kMaxDetailLineBytes);
  a.runbook_url = common::valid_utf8(in.alert.runbook_url);
  return n;
}

AgentIdentity sanitized(const AgentIdentity& in) {
  return {common::valid_utf8(in.instance), common::valid_utf8(in.database),
          common::valid_utf8(in.external_url)};
}

bool is_resolved(const Notification& n) {
  return n.kind == NotificationKind::resolved || n.alert.resolved();
}

std::string_view status_of(const Notification& n) {
  return is_resolved(n) ? "resolved" : "firing";
}

std::string alertname_of(const Alert& a) {
  auto it = a.labels.find("alertname");
  return it != a.labels.end() && !it->second.empty() ? it->second : a.rule;
}

std::string summary_of(const Alert& a) {
  return a.summary.empty() ? alertname_of(a) : a.summary;
}

json labels_json(const Alert& a, Severity severity) {
  json labels = json::object();
  for (const auto& [k, v] : a.labels) labels[k] = v;
  labels["severity"] = to_string(severity);
  return labels;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += '\n';
    out += lines[i];
  }
  return out;
}

std::string cut_note(std::size_t dropped) {
  return fmt::format("({} more {} cut to fit)", dropped, dropped == 1 ? "line" : "lines");
}

std::vector<std::string> first_lines(const std::vector<std::string>& lines, std::size_t keep) {
  std::vector<std::string> out(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(keep));
  if (keep < lines.size()) out.push_back(cut_note(lines.size() - keep));
  return out;
}

// Recurses over the JSON the agent built itself: bounded depth.
void cap_strings(json& j, std::size_t max_bytes) {  // NOLINT(misc-no-recursion)
  if (j.is_string()) {
    j = common::cut_bytes(j.get_ref<const std::string&>(), max_bytes);
  } else if (j.is_structured()) {
    for (auto& child : j) cap_strings(child, max_bytes);
  }
}

}  // namespace opsagent::alerts::payload_parts
