#include "agent/alerts/payloads/payloads.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/saturating_time.hpp"

namespace opsagent::alerts {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// UTF-8

constexpr std::string_view kEllipsis = "\u2026";  // "…": 3 bytes, 1 character
constexpr std::string_view kReplacement = "\uFFFD";

// Length of the well-formed UTF-8 sequence at s[i] (Unicode table 3-7), 0 if ill-formed.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto in = [](unsigned char c, unsigned char lo, unsigned char hi) {
    return c >= lo && c <= hi;
  };
  const unsigned char c = byte(i);
  const std::size_t left = s.size() - i;
  if (c < 0x80) return 1;
  if (in(c, 0xC2, 0xDF)) return left >= 2 && in(byte(i + 1), 0x80, 0xBF) ? 2 : 0;
  if (in(c, 0xE0, 0xEF)) {
    if (left < 3) return 0;
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;  // no overlongs
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;  // no surrogates
    return in(byte(i + 1), lo, hi) && in(byte(i + 2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(c, 0xF0, 0xF4)) {
    if (left < 4) return 0;
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;  // no overlongs
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    return in(byte(i + 1), lo, hi) && in(byte(i + 2), 0x80, 0xBF) && in(byte(i + 3), 0x80, 0xBF)
               ? 4
               : 0;
  }
  return 0;
}

// Valid UTF-8: every ill-formed byte becomes U+FFFD. Application names and query text come from
// Postgres as bytes; after this, byte and character counts below are exact.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The longest prefix of `s` of at most `max_bytes` bytes that does not split a sequence.
std::size_t utf8_cut_point(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  std::size_t cut = max_bytes;
  for (int back = 0; back < 3 && cut > 0 && is_continuation(s[cut]); ++back) --cut;
  return cut;
}

// `s` (valid UTF-8) in at most `max_bytes` bytes; "…" marks a cut.
std::string cut_bytes(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  if (max_bytes < kEllipsis.size()) return std::string(s.substr(0, utf8_cut_point(s, max_bytes)));
  std::string out(s.substr(0, utf8_cut_point(s, max_bytes - kEllipsis.size())));
  out += kEllipsis;
  return out;
}

std::size_t count_chars(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return !is_continuation(c); }));
}

// `s` (valid UTF-8) in at most `max_chars` characters; "…" marks a cut.
std::string cut_chars(std::string_view s, std::size_t max_chars) {
  if (count_chars(s) <= max_chars) return std::string(s);
  std::size_t i = 0;
  for (std::size_t chars = 0; i < s.size() && chars + 1 < max_chars; ++chars) {
    i += std::max<std::size_t>(1, utf8_sequence_length(s, i));
  }
  std::string out(s.substr(0, i));
  out += kEllipsis;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Slack text

void append_slack_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
}

std::string slack_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_slack_escaped(out, s);
  return out;
}

// `raw` escaped for Slack in at most `max_chars` characters (as sent, entities counted in full),
// cut between characters and never inside an entity; "…" marks a cut.
std::string slack_text(std::string_view raw, std::size_t max_chars) {
  std::string full = slack_escape(raw);
  if (count_chars(full) <= max_chars) return full;
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t len = std::max<std::size_t>(1, utf8_sequence_length(raw, i));
    std::string piece = slack_escape(raw.substr(i, len));
    const std::size_t piece_chars = count_chars(piece);
    if (chars + piece_chars + 1 > max_chars) break;
    out += piece;
    chars += piece_chars;
    i += len;
  }
  out += kEllipsis;
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

// ---------------------------------------------------------------------------------------------
// Common pieces

// A single detail line never takes more than this in a body; the remaining budget goes to
// the following lines rather than to one runaway line.
constexpr std::size_t kMaxDetailLineBytes = std::size_t{8} * 1024;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A copy whose every string is valid UTF-8 (and each detail line bounded).
Notification sanitized(const Notification& in) {
  Notification n = in;
  n.id = valid_utf8(in.id);
  Alert& a = n.alert;
  a.rule = valid_utf8(in.alert.rule);
  a.fingerprint = valid_utf8(in.alert.fingerprint);
  a.labels.clear();
  for (const auto& [k, v] : in.alert.labels) a.labels[valid_utf8(k)] = valid_utf8(v);
  a.summary = valid_utf8(in.alert.summary);
  for (auto& line : a.details) line = cut_bytes(valid_utf8(line), kMaxDetailLineBytes);
  a.runbook_url = valid_utf8(in.alert.runbook_url);
  return n;
}

AgentIdentity sanitized(const AgentIdentity& in) {
  return {valid_utf8(in.instance), valid_utf8(in.database), valid_utf8(in.external_url)};
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

// The first `keep` lines, plus the note on how many were dropped.
std::vector<std::string> first_lines(const std::vector<std::string>& lines, std::size_t keep) {
  std::vector<std::string> out(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(keep));
  if (keep < lines.size()) out.push_back(cut_note(lines.size() - keep));
  return out;
}

// Cuts every string in `j` to `max_bytes` (the last resort when the labels or the summary alone
// are too large for a provider). Recurses over the JSON the agent built itself: bounded depth.
void cap_strings(json& j, std::size_t max_bytes) {  // NOLINT(misc-no-recursion)
  if (j.is_string()) {
    j = cut_bytes(j.get_ref<const std::string&>(), max_bytes);
  } else if (j.is_structured()) {
    for (auto& child : j) cap_strings(child, max_bytes);
  }
}

// The body built by `build(lines)` with as many of `details` as fit in `max_bytes`, dropped from
// the end with a note. `build` must grow with the lines it gets.
template <class Build>
std::string fit_details(const std::vector<std::string>& details, std::size_t max_bytes,
                        Build build) {
  std::string body = dump(build(details));
  if (body.size() <= max_bytes) return body;
  // Binary search for the largest number of lines that still fits (0 always "fits" here).
  std::size_t lo = 0;
  std::size_t hi = details.size();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo + 1) / 2;
    if (dump(build(first_lines(details, mid))).size() <= max_bytes) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  json j = build(first_lines(details, lo));
  body = dump(j);
  for (std::size_t cap : {4096u, 1024u, 256u, 64u}) {
    if (body.size() <= max_bytes) break;
    cap_strings(j, cap);
    body = dump(j);
  }
  return body;
}

// As many of `lines` as fit in `budget` when joined by a one-unit separator (sizes measured by
// `measure`: bytes or characters), the rest replaced by a note.
template <class Measure>
std::vector<std::string> fit_lines(const std::vector<std::string>& lines, std::size_t budget,
                                   Measure measure) {
  const std::size_t note = 1 + measure(cut_note(lines.size()));  // the longest note it can take
  std::size_t used = 0;
  std::size_t keep = 0;
  for (; keep < lines.size(); ++keep) {
    const std::size_t add = measure(lines[keep]) + (keep > 0 ? 1 : 0);
    const std::size_t reserve = keep + 1 == lines.size() ? 0 : note;
    if (used + add + reserve > budget) break;
    used += add;
  }
  return first_lines(lines, keep);
}

// What Alertmanager's webhook sends as endsAt while an alert fires (Go's zero time).
constexpr std::string_view kZeroTime = "0001-01-01T00:00:00Z";

// ---------------------------------------------------------------------------------------------
// base64 / HMAC (OpenSSL)

std::string base64_encode(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Strict standard base64 (padded, or unpadded); nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text) {
  std::size_t pad = 0;
  while (pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  const std::size_t data = text.size() - pad;
  if (data == 0 || pad > 2 || data % 4 == 1) return std::nullopt;
  if (!std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(data),
                   is_base64_char)) {
    return std::nullopt;
  }
  const std::size_t needed = (4 - data % 4) % 4;
  if (pad != 0 && pad != needed) return std::nullopt;
  std::string in(text.substr(0, data));
  in.append(needed, '=');
  std::string out(in.size() / 4 * 3, '\0');
  // EVP_DecodeBlock decodes '=' as zero bits and counts them in its result: drop them after.
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  OPENSSL_cleanse(in.data(), in.size());
  if (n < 0 || static_cast<std::size_t>(n) != out.size()) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  out.resize(out.size() - needed);
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

constexpr std::size_t kMinKeyBytes = 24;  // Standard Webhooks: keys of 24 to 64 bytes
constexpr std::size_t kMaxKeyBytes = 64;
constexpr std::size_t kMaxEnvValueBytes = 4096;
constexpr std::size_t kSlackTextChars = 3000;
constexpr std::size_t kSlackHeaderChars = 150;
constexpr std::size_t kPagerDutySummaryChars = 1024;
constexpr std::size_t kMaxPagerDutyBytes = std::size_t{512} * 1024;
constexpr std::size_t kMaxAlertmanagerDescriptionBytes = std::size_t{64} * 1024;

}  // namespace

// -----------------------------------------------------------------------------------------------

std::string rfc3339(WallClock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

std::string webhook_body(const Notification& original, std::string_view receiver,
                         const AgentIdentity& who_original) {
  const Notification n = sanitized(original);
  const AgentIdentity who = sanitized(who_original);
  const Alert& a = n.alert;
  const std::string receiver_name = valid_utf8(receiver);
  const json labels = labels_json(a, a.severity);

  auto build = [&](const std::vector<std::string>& details) {
    json annotations = {{"summary", a.summary}, {"description", join_lines(details)}};
    if (!a.runbook_url.empty()) annotations["runbook_url"] = a.runbook_url;
    json alert = {
        {"status", status_of(n)},
        {"labels", labels},
        {"annotations", annotations},
        {"startsAt", rfc3339(a.starts_at)},
        {"endsAt",
         is_resolved(n) ? rfc3339(a.ends_at.value_or(n.created)) : std::string(kZeroTime)},
        {"generatorURL", who.external_url},
        {"fingerprint", a.fingerprint},
    };
    json notification = {
        {"id", n.id}, {"kind", to_string(n.kind)}, {"suppressed", n.suppressed_count}};
    if (n.previous_severity) notification["previous_severity"] = to_string(*n.previous_severity);
    return json{
        {"version", "4"},
        {"groupKey", a.fingerprint},
        {"truncatedAlerts", 0},
        {"status", status_of(n)},
        {"receiver", receiver_name},
        {"groupLabels", {{"alertname", alertname_of(a)}}},
        {"commonLabels", labels},
        {"commonAnnotations", annotations},
        {"externalURL", who.external_url},
        {"alerts", json::array({alert})},
        {"notification", notification},
        {"agent", {{"instance", who.instance}, {"database", who.database}}},
    };
  };
  return fit_details(a.details, kMaxWebhookBytes, build);
}

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
    blocks.push_back({{"type", "section"},
                      {"text",
                       {{"type", "mrkdwn"},
                        {"text", join_lines(fit_lines(items, kSlackTextChars, count_chars))}}}});
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
  add_context("*Since:* " + rfc3339(a.starts_at));
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

std::string pagerduty_body(const Notification& original, std::string_view routing_key,
                           const AgentIdentity& who_original) {
  const Notification n = sanitized(original);
  const AgentIdentity who = sanitized(who_original);
  const Alert& a = n.alert;
  const std::string key = valid_utf8(routing_key);

  if (is_resolved(n)) {
    // PagerDuty needs only these three to resolve; anything else would be ignored.
    return dump(
        json{{"routing_key", key}, {"event_action", "resolve"}, {"dedup_key", a.fingerprint}});
  }

  json labels = json::object();
  for (const auto& [k, v] : a.labels) labels[k] = v;
  const std::string summary = cut_chars(summary_of(a), kPagerDutySummaryChars);

  auto build = [&](const std::vector<std::string>& details) {
    json custom = {{"details", details},
                   {"labels", labels},
                   {"kind", to_string(n.kind)},
                   {"notification_id", n.id},
                   {"database", who.database}};
    if (n.kind == NotificationKind::suppressed) custom["suppressed"] = n.suppressed_count;
    if (n.previous_severity) custom["previous_severity"] = to_string(*n.previous_severity);
    json body = {
        {"routing_key", key},
        {"event_action", "trigger"},
        {"dedup_key", a.fingerprint},
        {"payload",
         {{"summary", summary},
          {"source", who.instance.empty() ? std::string("opsagent") : who.instance},
          {"severity", to_string(a.severity)},
          {"timestamp", rfc3339(n.created)},
          {"component", "postgres"},
          {"group", a.rule},
          {"class", alertname_of(a)},
          {"custom_details", custom}}},
        {"client", "opsagent"},
    };
    if (!who.external_url.empty()) body["client_url"] = who.external_url;
    if (!a.runbook_url.empty()) {
      body["links"] = json::array({{{"href", a.runbook_url}, {"text", "Runbook"}}});
    }
    return body;
  };
  return fit_details(a.details, kMaxPagerDutyBytes, build);
}

std::string alertmanager_body(const Notification& original, WallClock::time_point now,
                              std::chrono::seconds firing_ttl, const AgentIdentity& who_original) {
  const Notification n = sanitized(original);
  const AgentIdentity who = sanitized(who_original);
  const Alert& a = n.alert;

  // Alertmanager has no documented limit, but a description beyond this helps nobody.
  const std::vector<std::string> details = fit_lines(a.details, kMaxAlertmanagerDescriptionBytes,
                                                     [](std::string_view l) { return l.size(); });

  json annotations = {{"summary", summary_of(a)}};
  if (!details.empty()) annotations["description"] = join_lines(details);
  if (!a.runbook_url.empty()) annotations["runbook_url"] = a.runbook_url;

  auto postable = [&](Severity severity, WallClock::time_point ends) {
    json alert = {{"labels", labels_json(a, severity)},
                  {"annotations", annotations},
                  {"startsAt", rfc3339(a.starts_at)},
                  {"endsAt", rfc3339(ends)}};
    // Alertmanager validates generatorURL as a URI: leave it out rather than send "".
    if (!who.external_url.empty()) alert["generatorURL"] = who.external_url;
    return alert;
  };

  json body = json::array();
  if (is_resolved(n)) {
    body.push_back(postable(a.severity, a.ends_at.value_or(now)));
  } else {
    body.push_back(postable(a.severity, common::saturating_add(now, firing_ttl)));
    if (n.kind == NotificationKind::escalated || n.kind == NotificationKind::deescalated) {
      const Severity before = n.previous_severity.value_or(
          n.kind == NotificationKind::escalated ? Severity::warning : Severity::critical);
      if (before != a.severity) body.push_back(postable(before, now));
    }
  }
  return dump(body);
}

std::vector<std::string> exec_environment(const Notification& n, const AgentIdentity& who) {
  const Alert& a = n.alert;
  auto var = [](std::string_view name, std::string_view value) {
    std::string v(value);
    std::erase(v, '\0');  // cannot appear in an environment
    return std::string(name) + "=" + cut_bytes(valid_utf8(v), kMaxEnvValueBytes);
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
      var("OPSAGENT_ALERT_STARTS_AT", rfc3339(a.starts_at)),
      var("OPSAGENT_ALERT_ENDS_AT",
          is_resolved(n) ? rfc3339(a.ends_at.value_or(n.created)) : std::string()),
      var("OPSAGENT_ALERT_RUNBOOK_URL", a.runbook_url),
      var("OPSAGENT_ALERT_INSTANCE", who.instance),
  };
}

std::expected<std::vector<std::string>, std::string> parse_webhook_secrets(std::string_view text) {
  std::vector<std::string_view> tokens;
  for (std::size_t i = 0; i < text.size();) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) tokens.push_back(text.substr(start, i - start));
  }
  if (tokens.empty()) return std::unexpected("webhook secret is empty");
  if (tokens.size() > 2) {
    return std::unexpected(fmt::format(
        "webhook secret holds {} values; at most two (the new and the old while rotating)",
        tokens.size()));
  }
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string which =
        tokens.size() == 1 ? "webhook secret" : fmt::format("webhook secret {} of 2", i + 1);
    std::string_view token = tokens[i];
    if (token.starts_with("whsec_")) token.remove_prefix(6);
    std::optional<std::string> key = base64_decode(token);
    if (!key) {
      for (auto& k : keys) OPENSSL_cleanse(k.data(), k.size());
      return std::unexpected(which + ": not \"whsec_\" followed by a valid base64 key");
    }
    const bool bad_size = key->size() < kMinKeyBytes || key->size() > kMaxKeyBytes;
    const bool too_short = key->size() < kMinKeyBytes;
    if (bad_size) {
      OPENSSL_cleanse(key->data(), key->size());
      for (auto& k : keys) OPENSSL_cleanse(k.data(), k.size());
      return std::unexpected(fmt::format(
          "{}: the key is {} than Standard Webhooks allows ({} to {} bytes once base64-decoded)",
          which, too_short ? "shorter" : "longer", kMinKeyBytes, kMaxKeyBytes));
    }
    keys.push_back(std::move(*key));
  }
  return keys;
}

std::string webhook_signature(const std::vector<std::string>& keys, std::string_view id,
                              std::int64_t timestamp_s, std::string_view body) {
  std::string message;
  message.reserve(id.size() + body.size() + 24);
  message.append(id);
  message += '.';
  message += std::to_string(timestamp_s);
  message += '.';
  message.append(body);

  std::string header;
  for (const auto& key : keys) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int size = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(),
             &size) == nullptr) {
      throw std::runtime_error("HMAC-SHA256 failed");
    }
    if (!header.empty()) header += ' ';
    header += "v1,";
    header += base64_encode(mac.data(), size);
  }
  return header;
}

}  // namespace opsagent::alerts
