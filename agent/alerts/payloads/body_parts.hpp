// The pieces every provider body is built from: a sanitized copy of the notification (valid
// UTF-8, bounded detail lines), the alert's status and names, and the fitting of detail lines into
// a provider's size limit (dropped from the end, with a note saying how many). Internal to the
// payloads room. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/alerts/alert.hpp"
#include "agent/alerts/identity.hpp"
#include "common/text/time_format.hpp"
#include "common/text/utf8.hpp"

namespace opsagent::alerts::payload_parts {

using nlohmann::json;

// A single detail line never takes more than this in a body; the remaining budget goes to
// the following lines rather than to one runaway line.
inline constexpr std::size_t kMaxDetailLineBytes = std::size_t{8} * 1024;

// What Alertmanager's webhook sends as endsAt while an alert fires (Go's zero time).
inline constexpr std::string_view kZeroTime = "0001-01-01T00:00:00Z";

// Compact JSON; invalid UTF-8 (none after sanitized()) would be replaced, never thrown on.
std::string dump(const json& j);

// A copy whose every string is valid UTF-8 (and each detail line bounded).
Notification sanitized(const Notification& in);
AgentIdentity sanitized(const AgentIdentity& in);

bool is_resolved(const Notification& n);
std::string_view status_of(const Notification& n);    // "firing" or "resolved"
std::string alertname_of(const Alert& a);             // the alertname label, else the rule
std::string summary_of(const Alert& a);               // the summary, else the alert's name
json labels_json(const Alert& a, Severity severity);  // the labels plus "severity"
std::string join_lines(const std::vector<std::string>& lines);

// "(3 more lines cut to fit)".
std::string cut_note(std::size_t dropped);
// The first `keep` lines, plus the note on how many were dropped.
std::vector<std::string> first_lines(const std::vector<std::string>& lines, std::size_t keep);
// Cuts every string in `j` to `max_bytes` (the last resort when the labels or the summary alone
// are too large for a provider).
void cap_strings(json& j, std::size_t max_bytes);

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

}  // namespace opsagent::alerts::payload_parts
