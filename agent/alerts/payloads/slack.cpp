#include "agent/alerts/payloads/slack.hpp"

#include <algorithm>

#include "agent/alerts/payloads/body_parts.hpp"
#include "common/text/markup_escape.hpp"

namespace opsagent::alerts {

using namespace payload_parts;

namespace {

constexpr std::size_t kSlackTextChars = 3000;
constexpr std::size_t kSlackHeaderChars = 150;

std::string slack_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  common::append_markup_escaped(out, s, common::Quotes::kKeep);
  return out;
}

// `raw` escaped for Slack in at most `max_chars` characters (as sent, entities counted in full),
// cut between characters and never inside an entity; "…" marks a cut.
std::string slack_text(std::string_view raw, std::size_t max_chars) {
  std::string full = slack_escape(raw);
  if (common::count_chars(full) <= max_chars) return full;
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t len = std::max<std::size_t>(1, common::utf8_sequence_length(raw, i));
    std::string piece = slack_escape(raw.substr(i, len));
    const std::size_t piece_chars = common::count_chars(piece);
    if (chars + piece_chars + 1 > max_chars) break;
    out += piece;
    chars += piece_chars;
    i += len;
  }
  out += common::kEllipsis;
  return out;
}

// A URL for a mrkdwn link "<url|text>": the characters that would end the link are
// percent-encoded, '&' is escaped as Slack asks.
std::string slack_link_url(std::string_view url) {
  std::string out;
  for (char c : url) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "%3C";
        break;
      case '>':
        out += "%3E";
        break;
      case '|':
        out += "%7C";
        break;
      case ' ':
        out += "%20";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string slack_body(const Notification& original, const AgentIdentity& who_original) {
  const Notification n = sanitized(original);
  const AgentIdentity who = sanitized(who_original);
  const Alert& a = n.alert;
  const std::string sev(to_string(a.severity));

  std::string prefix;
  switch (n.kind) {
    case NotificationKind::firing:
      prefix = "[FIRING:" + sev + "]";
      break;
    case NotificationKind::escalated:
      prefix = "[ESCALATED:" + sev + "]";
      break;
    case NotificationKind::deescalated:
      prefix = "[DEESCALATED:" + sev + "]";
      break;
    case NotificationKind::reminder:
    case NotificationKind::refresh:
      prefix = "[STILL FIRING:" + sev + "]";
      break;
    case NotificationKind::resolved:
      prefix = "[RESOLVED]";
      break;
    case NotificationKind::test:
      prefix = "[TEST:" + sev + "]";
      break;
    case NotificationKind::suppressed:
      prefix = "[SUPPRESSED]";
      break;
  }
  if (n.kind != NotificationKind::resolved && is_resolved(n)) prefix += "[RESOLVED]";

  const std::string name = alertname_of(a);
  const std::string summary = summary_of(a);

  json blocks = json::array();
  blocks.push_back(
      {{"type", "header"},
       {"text",
        {{"type", "plain_text"}, {"text", slack_text(prefix + " " + name, kSlackHeaderChars)}}}});
  blocks.push_back(
      {{"type", "section"},
       {"text", {{"type", "mrkdwn"}, {"text", slack_text(summary, kSlackTextChars)}}}});

  if (!a.details.empty()) {
    // A plain bulleted list (no code block: it would not wrap and hides the mrkdwn links).
    std::vector<std::string> items;
    items.reserve(a.details.size());
    for (const auto& line : a.details) items.push_back("\u2022 " + slack_text(line, 1000));
    blocks.push_back(
        {{"type", "section"},
         {"text",
          {{"type", "mrkdwn"},
           {"text", join_lines(fit_lines(items, kSlackTextChars, common::count_chars))}}}});
  }

  json context = json::array();
  auto add_context = [&](const std::string& text) {
    context.push_back({{"type", "mrkdwn"}, {"text", text}});
  };
  if (!who.instance.empty()) add_context("*Instance:* " + slack_text(who.instance, 2000));
  if (!who.database.empty()) add_context("*Database:* " + slack_text(who.database, 2000));
  std::string extra_labels;
  for (const auto& [k, v] : a.labels) {
    if (k == "alertname") continue;
    if (!extra_labels.empty()) extra_labels += ", ";
    extra_labels += k + "=" + v;
  }
  if (!extra_labels.empty()) add_context("*Labels:* " + slack_text(extra_labels, 2000));
  add_context("*Since:* " + common::rfc3339(a.starts_at));
  if (!a.runbook_url.empty() && a.runbook_url.size() <= 2000) {
    add_context("<" + slack_link_url(a.runbook_url) + "|Runbook>");
  }
  if (!who.external_url.empty() && who.external_url.size() <= 2000) {
    add_context("<" + slack_link_url(who.external_url) + "|Agent status>");
  }
  blocks.push_back({{"type", "context"}, {"elements", context}});

  const json body = {
      {"text", slack_text(prefix + " " + name + ": " + summary, kSlackTextChars)},
      {"blocks", blocks},
  };
  return dump(body);
}

}  // namespace opsagent::alerts
