// [alerts]: when alerts fire, resolve and repeat, where their state is kept, and the receivers
// ([[alerts.receivers]], alert_receivers.cpp). alerts.state_file is read at start only; the
// alerter keeps the first path for the process's life (see agent/alerts/alerter.hpp).
#include <array>
#include <chrono>

#include "common/bounded_file.hpp"
#include "config/key_types.hpp"
#include "config/sections/cross_check.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/http_url.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

// PATH_MAX on Linux: a longer path cannot be opened.
constexpr std::size_t kMaxPathBytes = 4096;

// The path is not echoed in these messages: nothing in it needs quoting to explain the problem.
void set_state_file(const toml::node& value, const std::string& key, Config& c, Diagnostics& diag) {
  const std::string* text =
      string_value(value, key, "a string like \"/var/lib/opsagent/alerts.json\"", diag);
  if (!text) return;
  constexpr std::string_view kOr = " (or \"\" to keep alert state in memory only)";
  if (const std::size_t nul = text->find('\0'); nul != std::string::npos) {
    return report(diag, value, key,
                  "the path has a NUL character at byte " + std::to_string(nul + 1) +
                      ", which no file name can contain; remove it" + std::string(kOr));
  }
  if (text->size() > kMaxPathBytes) {
    return report(diag, value, key,
                  "the path is " + std::to_string(text->size()) + " bytes long; use a path of " +
                      "at most " + std::to_string(kMaxPathBytes) + " bytes" + std::string(kOr));
  }
  if (text->ends_with('/')) {
    return report(diag, value, key,
                  "the path ends with \"/\", so it names a directory; name the file, e.g. "
                  "\"/var/lib/opsagent/alerts.json\"" +
                      std::string(kOr));
  }
  c.alerts.state_file = *text;
}

void set_runbook_url(const toml::node& value, const std::string& key, Config& c,
                     Diagnostics& diag) {
  const std::string* text = string_value(
      value, key, "a string like \"https://wiki.example.com/runbooks/postgres\"", diag);
  if (!text) return;
  if (text->empty()) {
    c.alerts.runbook_url.clear();
    return;
  }
  // Not echoed: the reason names the part that is wrong, never a token in the URL.
  auto url = parse_link_url(*text);
  if (!url) {
    return report(diag, value, key, "not a usable runbook URL (use \"\" for none): " + url.error());
  }
  c.alerts.runbook_url = std::move(url->url);
}

constexpr auto kAlerts = &Config::alerts;
using S = AlertsSection;
using Key = KeySpec<Config>;

const std::array kKeys{
    Key{"alerts", "pending", duration<kAlerts, &S::pending>(0s, 1h), "\"30s\"", Reload::live,
        "a condition must hold this long before its alert fires, so that a blip does not page "
        "anyone; 0s..1h (0s: fire at once)"},
    Key{"alerts", "keep_firing", duration<kAlerts, &S::keep_firing>(0s, 1h), "\"1m\"", Reload::live,
        "a firing alert resolves only after its condition has been clear this long; 0s..1h"},
    Key{"alerts", "repeat", duration_or_off<kAlerts, &S::repeat>(1min, 168h), "\"4h\"",
        Reload::live,
        "while an alert keeps firing, notify again this often; 0s (never) or 1m..168h (7 days)"},
    Key{"alerts", "state_file", custom<&set_state_file>("string"), "$STATE_DIRECTORY/alerts.json",
        Reload::live,
        "where firing alerts and undelivered notifications are kept across restarts; \"\" keeps "
        "them in memory only; at most 4096 bytes, no NUL. Unset: $STATE_DIRECTORY/alerts.json "
        "(systemd), else /var/lib/opsagent/alerts.json when that directory is writable (the "
        "image's volume), else $XDG_STATE_HOME (default ~/.local/state)/opsagent/alerts.json; "
        "only used when receivers are configured"},
    Key{"alerts", "clear_below", threshold<kAlerts, &S::clear_below>(), "\"75%\"", Reload::live,
        "a firing pool_saturation alert resolves only once connection use is below this; same "
        "forms as pool.warn. In the same form as pool.warn it must come strictly before it (a "
        "lower percentage or count, or more slots left), so the alert does not flap"},
    Key{"alerts", "idle_in_transaction", duration_or_off<kAlerts, &S::idle_in_transaction>(1s, 24h),
        "\"5m\"", Reload::live,
        "alert when a session has been idle in a transaction this long; 0s (off) or 1s..24h"},
    Key{"alerts", "long_transaction", duration_or_off<kAlerts, &S::long_transaction>(1s, 24h),
        "\"15m\"", Reload::live,
        "alert when a transaction has been open this long; 0s (off) or 1s..24h"},
    Key{"alerts", "lock_waiters", integer<kAlerts, &S::lock_waiters>(0, 10000, 1), "1",
        Reload::live, "alert when this many sessions wait on locks; 0 (off) or 1..10000"},
    Key{"alerts", "max_per_hour", integer<kAlerts, &S::max_per_hour>(1, 10000, 30), "30",
        Reload::live,
        "at most this many notifications per hour across all receivers (resolves are always "
        "sent); 1..10000"},
    Key{"alerts", "leader_election", boolean<kAlerts, &S::leader_election>(), "true", Reload::live,
        "with several agents on one database, only the one holding a Postgres advisory lock "
        "sends notifications; false: every agent sends"},
    Key{"alerts", "runbook_url", custom<&set_runbook_url>("string"), "\"\"", Reload::live,
        "a link added to every alert: \"\" (none) or an https:// or http:// URL; a #section is "
        "allowed"},
    Key{"alerts", "receivers", custom<&apply_alert_receivers>("array of tables"), "[]",
        Reload::live,
        "where notifications go, one [[alerts.receivers]] block each (keys below); with none, no "
        "alert is evaluated or sent"},
};

}  // namespace

std::span<const KeySpec<Config>> alerts_keys() {
  return kKeys;
}

// A pool_saturation alert fires at pool.warn and resolves only once use is below
// alerts.clear_below: the gap between them (hysteresis) keeps an alert from firing and resolving
// over and over while use hovers around warn. As for critical, only thresholds of one form can be
// compared. Checked when the file sets clear_below or has receivers: without receivers no alert
// is evaluated, so a lowered pool.warn alone must not be an error.
void check_alerts(const Config& c, Diagnostics& diag) {
  const auto keys = {std::string_view{"alerts.clear_below"}, std::string_view{"pool.warn"}};
  if (any_error(diag, keys)) return;
  const bool set_here = diag.where_set("alerts.clear_below").has_value();
  if (!set_here && !diag.where_set("alerts.receivers")) return;
  const Threshold& warn = c.pool.warn;
  const Threshold& clear = c.alerts.clear_below;
  if (comes_after(warn, clear).value_or(true)) return;
  const bool slots = warn.kind == Threshold::Kind::slots_left;
  const std::string both = "alerts.clear_below (" + threshold_as_written(clear) +
                           (set_here ? "" : ", the default") + ") " +
                           (slots ? "does not leave more slots than" : "is not below") +
                           " pool.warn (" + threshold_as_written(warn) + ")";
  const std::string fix = slots ? "use more slots left for alerts.clear_below or fewer for "
                                  "pool.warn (e.g. warn = \"-5\", clear_below = \"-10\")"
                                : "lower alerts.clear_below or raise pool.warn (e.g. warn = "
                                  "\"80%\", clear_below = \"75%\")";
  diag.error(first_set(diag, keys), "alerts.clear_below",
             both +
                 "; a pool_saturation alert fires at pool.warn and resolves only once use "
                 "drops below clear_below, so clear_below must come strictly before warn: the "
                 "gap (hysteresis) keeps the alert from flapping while use hovers around warn; " +
                 fix);
}

// alerts.state_file is read at startup and replaced (rename) at every write: a FIFO there hung
// the start, a device was read without end, and replacing one (as root, /dev/null) breaks the
// system. Only a regular file, or nothing yet, will do.
void check_alert_state_file(const Config& c, Diagnostics& diag) {
  constexpr std::string_view kKey = "alerts.state_file";
  // Unset: the default place, chosen at start (alerts::default_state_file), is a directory the
  // agent owns.
  if (!c.alerts.state_file || c.alerts.state_file->empty() || diag.has_error(kKey)) return;
  const auto kind = common::irregular_file_kind(*c.alerts.state_file);
  if (!kind) return;
  diag.error(diag.where_set(kKey).value_or(Position{}), std::string(kKey),
             "the path names " + *kind +
                 ", not a regular file; the agent reads its state from this file at startup and "
                 "replaces it at every write, so name a file of its own, e.g. "
                 "\"/var/lib/opsagent/alerts.json\" (or \"\" to keep alert state in memory "
                 "only)");
}

}  // namespace opsagent::config
