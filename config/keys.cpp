#include "config/keys.hpp"

#include <array>
#include <chrono>
#include <map>

#include "config/syntax/duration.hpp"
#include "config/syntax/http_url.hpp"
#include "config/syntax/threshold.hpp"
#include "config/values.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

void report(Diagnostics& diag, const toml::node& value, const std::string& key, std::string msg) {
  diag.error(position_of(value), key, std::move(msg));
}

struct DurationRange {
  Duration min;
  Duration max;
  bool zero_is_off = false;  // 0 is allowed below min and means "disabled"
};

std::string describe(DurationRange r) {
  const std::string span =
      "a duration from " + format_duration(r.min) + " to " + format_duration(r.max);
  return r.zero_is_off ? "use 0s (off) or " + span : "use " + span;
}

bool in_range(Duration d, DurationRange r) {
  return (r.zero_is_off && d == Duration::zero()) || (d >= r.min && d <= r.max);
}

void set_duration(const toml::node& value, const std::string& key, Diagnostics& diag, Duration& out,
                  DurationRange range) {
  if (value.is_integer() || value.is_floating_point()) {
    report(diag, value, key,
           "expected a string like \"5s\", got " + std::string(type_name(value)) +
               " (a duration needs a unit: ms, s, m or h)");
    return;
  }
  const std::string* text = string_value(value, key, "a string like \"5s\"", diag);
  if (!text) return;
  const auto parsed = parse_duration(*text);
  if (!parsed) {
    report(diag, value, key, in_quotes(*text) + " is not a duration: " + parsed.error());
  } else if (!in_range(*parsed, range)) {
    report(diag, value, key, in_quotes(*text) + " is out of range; " + describe(range));
  } else {
    out = *parsed;
  }
}

struct IntRange {
  int min;
  int max;
  int example;  // shown when the value is not an integer at all
};

void set_int(const toml::node& value, const std::string& key, Diagnostics& diag, int& out,
             IntRange range) {
  const auto* integer = value.as_integer();
  if (!integer) {
    report(diag, value, key,
           "expected an integer like " + std::to_string(range.example) + ", got " +
               std::string(type_name(value)));
    return;
  }
  const std::int64_t n = integer->get();
  if (n < range.min || n > range.max) {
    report(diag, value, key,
           std::to_string(n) + " is out of range; use an integer from " +
               std::to_string(range.min) + " to " + std::to_string(range.max));
    return;
  }
  out = static_cast<int>(n);
}

// A TOML integer is the count form; a string is one of the other two. Anything else (0.8, true)
// gets all three forms spelt out, since the type alone shows the user did not know them.
void set_threshold(const toml::node& value, const std::string& key, Diagnostics& diag,
                   Threshold& out) {
  std::expected<Threshold, std::string> parsed;
  if (const auto* integer = value.as_integer()) {
    parsed = threshold_from_count(integer->get());
  } else if (const auto* text = value.as_string()) {
    parsed = parse_threshold_text(text->get());
  } else {
    const std::string hint = value.is_floating_point()
                                 ? "; a fraction like 0.8 is written as a percentage: \"80%\""
                                 : "";
    return report(diag, value, key,
                  "expected " + std::string(threshold_forms()) + ", got " +
                      std::string(type_name(value)) + hint);
  }
  if (!parsed) return report(diag, value, key, parsed.error());
  out = *parsed;
}

void set_listen(const toml::node& value, const std::string& key, Config& c, Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"0.0.0.0:8080\"", diag);
  if (!text) return;
  auto listen = parse_listen(*text);
  if (!listen) {
    report(diag, value, key, in_quotes(*text) + " is not a listen address: " + listen.error());
    return;
  }
  c.agent.listen_host = std::move(listen->host);
  c.agent.listen_port = listen->port;
}

void set_log_level(const toml::node& value, const std::string& key, Config& c, Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"info\"", diag);
  if (!text) return;
  auto level = parse_log_level(*text);
  if (!level) return report(diag, value, key, level.error());
  c.log.level = std::move(*level);
}

void set_log_format(const toml::node& value, const std::string& key, Config& c, Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"text\"", diag);
  if (!text) return;
  const auto format = parse_log_format(*text);
  if (!format) return report(diag, value, key, format.error());
  c.log.format = *format;
}

void set_on_exit(const toml::node& value, const std::string& key, Config& c, Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"exit\"", diag);
  if (!text) return;
  const auto action = parse_on_exit(*text);
  if (!action) return report(diag, value, key, action.error());
  c.supervise.on_exit = *action;
}

void set_on_pressure(const toml::node& value, const std::string& key, Config& c,
                     Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"warn\"", diag);
  if (!text) return;
  const auto rule = parse_on_pressure(*text);
  if (!rule) return report(diag, value, key, rule.error());
  c.readiness.on_pressure = *rule;
}

// Names a variable holding a DSN; `allow_empty` for sections that "" turns off.
void set_dsn_env_name(const toml::node& value, const std::string& key, std::string& out,
                      std::string_view example, bool allow_empty, Diagnostics& diag) {
  const std::string* text =
      string_value(value, key, "a string like \"" + std::string(example) + "\"", diag);
  if (!text) return;
  if (!(allow_empty && text->empty()) && !is_env_name(*text)) {
    // The value is not echoed: a DSN pasted here by mistake may carry a password.
    return report(diag, value, key,
                  "not an environment variable name (letters, digits and _, not starting with a "
                  "digit); write the name of the variable that holds the DSN, e.g. \"" +
                      std::string(example) + "\" (the DSN itself never goes in the file)" +
                      (allow_empty ? ", or \"\" for off" : ""));
  }
  out = *text;
}

void set_token_env(const toml::node& value, const std::string& key, Config& c, Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"OPSAGENT_TOKEN\"", diag);
  if (!text) return;
  if (!text->empty() && !is_env_name(*text)) {
    // Not echoed, like dsn_env: the token itself pasted here by mistake must not reach the logs.
    return report(diag, value, key,
                  "not an environment variable name (letters, digits and _, not starting with a "
                  "digit); write the name of the variable that holds the token, e.g. "
                  "\"OPSAGENT_TOKEN\" (the token itself never goes in the file), or \"\" for "
                  "no token");
  }
  c.agent.token_env = *text;
}

void set_application_name(const toml::node& value, const std::string& key, Config& c,
                          Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"opsagent\"", diag);
  if (!text) return;
  if (auto ok = check_application_name(*text); !ok) {
    return report(diag, value, key, in_quotes(*text) + " " + ok.error());
  }
  c.database.application_name = *text;
}

void set_expected_tables(const toml::node& value, const std::string& key, Config& c,
                         Diagnostics& diag) {
  const auto* array = value.as_array();
  if (!array) {
    return report(diag, value, key,
                  "expected an array of strings like [\"permits\", \"public.contacts\"], got " +
                      std::string(type_name(value)));
  }
  std::vector<TableName> tables;
  std::map<std::string, Position> seen;  // folded name -> first occurrence
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    const std::string item_key = key + "[" + std::to_string(i) + "]";
    auto table = table_name_value(item, item_key, diag);
    if (!table) continue;
    const auto [first, inserted] = seen.try_emplace(table->display(), position_of(item));
    if (!inserted) {
      report(diag, item, item_key,
             in_quotes(item.as_string()->get()) + " is listed twice (first at line " +
                 std::to_string(first->second.line) + ", column " +
                 std::to_string(first->second.column) +
                 "; unquoted names are case-insensitive); list each table once");
      continue;
    }
    tables.push_back(std::move(*table));
  }
  c.readiness.expected_tables = std::move(tables);
}

void set_search_path(const toml::node& value, const std::string& key, Config& c,
                     Diagnostics& diag) {
  const auto* array = value.as_array();
  if (!array) {
    return report(diag, value, key,
                  "expected an array of schema names like [\"public\"], got " +
                      std::string(type_name(value)));
  }
  if (array->empty()) {
    return report(diag, value, key,
                  "is empty, so no unqualified table could ever be found; list the schemas of "
                  "the app's search_path, e.g. [\"public\"]");
  }
  std::vector<std::string> schemas;
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    const std::string item_key = key + "[" + std::to_string(i) + "]";
    const std::string* text = string_value(item, item_key, "a schema name like \"public\"", diag);
    if (!text) {
      ok = false;
      continue;
    }
    if (*text == "$user") {
      ok = false;
      report(diag, item, item_key,
             "\"$user\" is not expanded here (the agent's role is not the app's); write the "
             "name of the app's role, whose schema it stands for");
      continue;
    }
    auto schema = parse_identifier(*text);
    if (!schema) {
      ok = false;
      report(diag, item, item_key, in_quotes(*text) + " is not a schema name: " + schema.error());
      continue;
    }
    schemas.push_back(std::move(*schema));
  }
  if (ok) c.readiness.search_path = std::move(schemas);
}

void set_bool(const toml::node& value, const std::string& key, Diagnostics& diag, bool& out) {
  if (const auto* flag = value.as_boolean()) {
    out = flag->get();
    return;
  }
  const std::string hint = value.is_string() ? " (write true or false without quotes)" : "";
  report(diag, value, key, "expected true or false, got " + std::string(type_name(value)) + hint);
}

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

// A receiver's *_env key: the name of the variable read when a notification is sent. The value
// is never echoed: a URL, key or secret pasted here instead of a name must not reach the logs.
const std::string* env_name_value(const toml::node& value, const std::string& key,
                                  std::string_view holds, std::string_view example,
                                  Diagnostics& diag) {
  const std::string* text =
      string_value(value, key, "a string like \"" + std::string(example) + "\"", diag);
  if (!text) return nullptr;
  if (is_env_name(*text)) return text;
  const std::string what =
      text->empty() ? "is empty"
      : text->find("://") != std::string::npos
          ? "looks like a URL, not the name of an environment variable"
          : "is not an environment variable name (letters, digits and _, not starting with a "
            "digit)";
  report(diag, value, key,
         "the value " + what + "; write the name of the variable that holds " + std::string(holds) +
             ", e.g. \"" + std::string(example) + "\" (" + std::string(holds) +
             " itself never goes in the file; the variable is read when a notification is sent)");
  return nullptr;
}

// [alerts.receivers] command: the program and its arguments, run without a shell. Arguments are
// not echoed: they may carry a token.
std::optional<std::vector<std::string>> command_value(const toml::node& value,
                                                      const std::string& key, Diagnostics& diag) {
  constexpr std::string_view kLike =
      "an array of strings like [\"/usr/local/bin/notify\", \"--team\", \"db\"]";
  const auto* array = value.as_array();
  if (!array) {
    const std::string hint = value.is_string()
                                 ? "; no shell runs it, so write the program and each argument "
                                   "as its own string"
                                 : "";
    report(diag, value, key,
           "expected " + std::string(kLike) + ", got " + std::string(type_name(value)) + hint);
    return std::nullopt;
  }
  if (array->empty()) {
    report(diag, value, key,
           "the command is empty; write the program and its arguments, e.g. "
           "[\"/usr/local/bin/notify\", \"--team\", \"db\"]");
    return std::nullopt;
  }
  std::vector<std::string> argv;
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    const std::string item_key = key + "[" + std::to_string(i) + "]";
    const std::string* text =
        string_value(item, item_key, i == 0 ? "a program path" : "an argument string", diag);
    if (!text) {
      ok = false;
    } else if (text->empty()) {
      ok = false;
      report(diag, item, item_key,
             i == 0 ? "the program is empty; write its path, e.g. \"/usr/local/bin/notify\""
                    : "the argument is empty; remove it (no shell runs the command, so an empty "
                      "string would be passed as an empty argument)");
    } else if (const std::size_t nul = text->find('\0'); nul != std::string::npos) {
      ok = false;
      report(diag, item, item_key,
             "has a NUL character at byte " + std::to_string(nul + 1) +
                 ", which a program's arguments cannot contain; remove it");
    } else {
      argv.push_back(*text);
    }
  }
  if (!ok) return std::nullopt;
  return argv;
}

std::string alert_rule_list() {
  std::string out;
  const std::size_t n = std::size(kAlertRules);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out += (i + 1 == n) ? " or " : ", ";
    out += kAlertRules[i];
  }
  return out;
}

// [alerts.receivers] rules: names from kAlertRules, each once. The items are not echoed (a
// misplaced secret must not reach the logs); the position and a "did you mean" point at them.
std::optional<std::vector<std::string>> rules_value(const toml::node& value, const std::string& key,
                                                    Diagnostics& diag) {
  const auto* array = value.as_array();
  if (!array) {
    report(diag, value, key,
           "expected an array of rule names like [\"pool_saturation\", \"readiness\"] (or [] "
           "for every rule), got " +
               std::string(type_name(value)));
    return std::nullopt;
  }
  std::vector<std::string> rules;
  std::map<std::string, Position> seen;  // rule -> first occurrence
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    const std::string item_key = key + "[" + std::to_string(i) + "]";
    const std::string* text = string_value(item, item_key, "a rule name like \"readiness\"", diag);
    if (!text) {
      ok = false;
      continue;
    }
    if (*text == kRetiredBudgetRule) {
      // Retired, not refused: a config that worked before an upgrade must still start the
      // agent. Kept in the list (so a receiver of only this rule does not turn into one of
      // every rule) and named by config_warnings().
      rules.push_back(*text);
      continue;
    }
    if (std::ranges::find(kAlertRules, *text) == std::end(kAlertRules)) {
      ok = false;
      std::string folded = *text;
      std::ranges::transform(folded, folded.begin(), [](char ch) {
        return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
      });
      const auto near = closest(folded, kAlertRules);
      report(diag, item, item_key,
             (text->empty() ? std::string("the rule name is empty") : "not an alert rule") +
                 "; use " + alert_rule_list() +
                 (near ? " (did you mean \"" + std::string(*near) + "\"?)" : "") +
                 ", or leave `rules` out for every rule");
      continue;
    }
    const auto [first, inserted] = seen.try_emplace(*text, position_of(item));
    if (!inserted) {
      ok = false;
      report(diag, item, item_key,
             "rule \"" + *text + "\" is listed twice (first at line " +
                 std::to_string(first->second.line) + ", column " +
                 std::to_string(first->second.column) + "); list each rule once");
      continue;
    }
    rules.push_back(*text);
  }
  if (!ok) return std::nullopt;
  return rules;
}

// The tables. Every row's `fallback` must equal the default in config.hpp (load_test checks).
using CK = KeySpec<Config>;
const std::array kConfigKeys{
    CK{"agent", "listen", "string", "\"0.0.0.0:8080\"",
       "address the HTTP server binds: \"host:port\"; host is an IPv4 address, a host name or a "
       "bracketed IPv6 address (\"[::]\"); port 1..65535 (the PORT environment variable "
       "overrides the port)",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_listen(v, k, c, d);
       }},
    CK{"agent", "interval", "duration", "\"2s\"",
       "time between probe cycles (less up to 10% jitter); 100ms..1h",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.agent.interval, {100ms, 1h});
       }},
    CK{"agent", "stale_after", "duration", "\"15s\"",
       "a snapshot older than this reports the probe as stalled; 1s..1h and at least interval + "
       "connect_timeout + statement_timeout + 1s ([[readiness.http]] checks run beside the "
       "database probe and add nothing)",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.agent.stale_after, {1s, 1h});
       }},
    CK{"agent", "drain", "duration", "\"5s\"",
       "after SIGTERM, keep serving (as not ready) this long so load balancers stop sending "
       "traffic; 0s..15m. When the file does not set it and RAILWAY_DEPLOYMENT_DRAINING_SECONDS "
       "(Railway's time from SIGTERM to SIGKILL) is set, the default is half of that, at most "
       "15m, leaving the other half for the supervised app to stop",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.agent.drain, {0s, kMaxDrain});
       }},
    CK{"agent", "http_threads", "integer", "8", "HTTP worker threads; 1..256",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_int(v, k, d, c.agent.http_threads, {.min = 1, .max = 256, .example = 8});
       }},
    CK{"agent", "rate_limit", "integer", "10",
       "requests a second each client address may make to /status and /metrics, in bursts of up "
       "to twice that (IPv6: per /64); beyond it the answer is 429 with Retry-After. "
       "/health, /health/live and /health/ready are never limited. 0 = no limit; 0..10000",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_int(v, k, d, c.agent.rate_limit, {.min = 0, .max = 10000, .example = 10});
       }},
    CK{"agent", "token_env", "string", "\"\"",
       "name of the environment variable holding the bearer token that protects /health "
       "details, /status and /metrics (/health/live and /health/ready stay public); \"\" means "
       "no token: everything is public. Letters, digits and _, not starting with a digit",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_token_env(v, k, c, d);
       }},
    CK{"log", "level", "string", "\"info\"",
       "trace, debug, info, warn, error, critical or off (OPSAGENT_LOG_LEVEL overrides)",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_log_level(v, k, c, d);
       }},
    CK{"log", "format", "string", "\"text\"",
       "text (for people) or json (one object per line); OPSAGENT_LOG_FORMAT overrides",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_log_format(v, k, c, d);
       }},
    CK{"database", "dsn_env", "string", "\"DATABASE_URL\"",
       "name of the environment variable that holds the libpq connection string or URL",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_dsn_env_name(v, k, c.database.dsn_env, "DATABASE_URL", false, d);
       }},
    CK{"database", "connect_timeout", "duration", "\"3s\"",
       "how long one connection attempt may take; 100ms..60s",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.database.connect_timeout, {100ms, 60s});
       }},
    CK{"database", "statement_timeout", "duration", "\"5s\"",
       "server-side limit for each probe statement; 100ms..10m",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.database.statement_timeout, {100ms, 10min});
       }},
    CK{"database", "lock_timeout", "duration", "\"1s\"",
       "server-side limit for waiting on a lock; 0s (off)..10m, at most statement_timeout",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.database.lock_timeout, {0s, 10min});
       }},
    CK{"database", "fresh_connect_interval", "duration", "\"30s\"",
       "how often to also open a brand-new connection, to catch refused logins; 0s (off) or "
       "1s..1h",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.database.fresh_connect_interval, {1s, 1h, true});
       }},
    CK{"database", "application_name", "string", "\"opsagent\"",
       "shown in pg_stat_activity; 1..63 printable ASCII characters",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_application_name(v, k, c, d);
       }},
    CK{"readiness", "expected_tables", "array of strings", "[]",
       "tables that must exist: \"table\" (looked up in readiness.search_path) or "
       "\"schema.table\"; unquoted names, "
       "folded to lower case; each listed once",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_expected_tables(v, k, c, d);
       }},
    CK{"readiness", "search_path", "array of strings", "[\"public\"]",
       "the schemas in which an unqualified table name (in expected_tables and in markers) is "
       "looked up, in order, as the app's search_path resolves it; the agent's own search_path "
       "is not used. Write the app role's search_path (SHOW search_path, as that role) with "
       "\"$user\" replaced by the role's name; unquoted identifiers; at least one",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_search_path(v, k, c, d);
       }},
    CK{"readiness", "accept_views", "boolean", "false",
       "whether a view or materialized view of that name satisfies an expected table or a "
       "table/column marker; false: only a table (ordinary, partitioned or foreign) does",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_bool(v, k, d, c.readiness.accept_views);
       }},
    CK{"readiness", "migrations", "array of tables", "[]",
       "migration markers, one [[readiness.migrations]] block each (keys below)",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         apply_migrations(v, k, c, d);
       }},
    CK{"readiness", "http", "array of tables", "[]",
       "HTTP endpoints of the app that must answer before the deployment is ready, one "
       "[[readiness.http]] block each (keys below); each runs beside the database probe under "
       "its own timeout",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         apply_http_checks(v, k, c, d);
       }},
    CK{"readiness", "on_pressure", "string", "\"warn\"",
       "what connection pressure does to readiness (every slot taken, or the pooler's queue "
       "full): warn (a warning and an alert; readiness stays, so a busy database never takes "
       "every replica out of rotation) or not_ready (a deploy gate that must not add load to a "
       "full database)",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_on_pressure(v, k, c, d);
       }},
    CK{"pool", "warn", "threshold", "\"80%\"",
       "connection use that reports warn: \"80%\" of the usable slots (above 0, at most 100, "
       "decimals allowed), 85 connections in use (an integer, 1..262143), or \"-5\" (at most 5 "
       "usable slots left; \"-0\": none)",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_threshold(v, k, d, c.pool.warn);
       }},
    CK{"pool", "critical", "threshold", "\"95%\"",
       "connection use that reports critical; same forms as warn. When both have the same form, "
       "critical must come later: a higher percentage or count, or fewer slots left",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_threshold(v, k, d, c.pool.critical);
       }},
    CK{"pool", "clients", "array of tables", "[]",
       "the application's connection pools, one [[pool.clients]] block each (keys below); the "
       "agent checks that their instances x pool_max fit in the usable slots",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         apply_pool_clients(v, k, c, d);
       }},
    CK{"pgbouncer", "dsn_env", "string", "\"\"",
       "name of the environment variable holding the DSN of PgBouncer's admin console (database "
       "pgbouncer, a user listed in stats_users); \"\" turns the PgBouncer probe off",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_dsn_env_name(v, k, c.pgbouncer.dsn_env, "PGBOUNCER_ADMIN_URL", true, d);
       }},
    CK{"pgbouncer", "maxwait_critical", "duration", "\"5s\"",
       "a client waiting this long for a server connection is critical (clients waiting at all "
       "is a warning); 0s (off) or 100ms..10m",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.pgbouncer.maxwait_critical, {100ms, 10min, true});
       }},
    CK{"supervise", "on_exit", "string", "\"exit\"",
       "in supervise mode (opsagent run -- CMD...), what to do when the app exits on its own: "
       "exit (the agent exits with the app's status, so the platform restarts the container) or "
       "restart (the agent starts the app again after a backoff)",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_on_exit(v, k, c, d);
       }},
    CK{"supervise", "restart_backoff_max", "duration", "\"30s\"",
       "with on_exit = \"restart\": the waits before restarts grow 1s, 2s, 4s, ... up to this; "
       "1s..10m",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.supervise.restart_backoff_max, {1s, 10min});
       }},
    CK{"supervise", "stop_timeout", "duration", "\"10s\"",
       "on shutdown, after agent.drain, the agent passes SIGTERM on to the app and waits this "
       "long for it to exit before sending SIGKILL; 1s..10m",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.supervise.stop_timeout, {1s, 10min});
       }},
    CK{"alerts", "pending", "duration", "\"30s\"",
       "a condition must hold this long before its alert fires, so that a blip does not page "
       "anyone; 0s..1h (0s: fire at once)",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.alerts.pending, {0s, 1h});
       }},
    CK{"alerts", "keep_firing", "duration", "\"1m\"",
       "a firing alert resolves only after its condition has been clear this long; 0s..1h",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.alerts.keep_firing, {0s, 1h});
       }},
    CK{"alerts", "repeat", "duration", "\"4h\"",
       "while an alert keeps firing, notify again this often; 0s (never) or 1m..168h (7 days)",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.alerts.repeat, {1min, 168h, true});
       }},
    CK{"alerts", "state_file", "string", "$STATE_DIRECTORY/alerts.json",
       "where firing alerts and undelivered notifications are kept across restarts; \"\" keeps "
       "them in memory only; at most 4096 bytes, no NUL. Unset: $STATE_DIRECTORY/alerts.json "
       "(systemd), else /var/lib/opsagent/alerts.json when that directory is writable (the "
       "image's volume), else $XDG_STATE_HOME (default ~/.local/state)/opsagent/alerts.json; "
       "only used when receivers are configured",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_state_file(v, k, c, d);
       }},
    CK{"alerts", "clear_below", "threshold", "\"75%\"",
       "a firing pool_saturation alert resolves only once connection use is below this; same "
       "forms as pool.warn. In the same form as pool.warn it must come strictly before it (a "
       "lower percentage or count, or more slots left), so the alert does not flap",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_threshold(v, k, d, c.alerts.clear_below);
       }},
    CK{"alerts", "idle_in_transaction", "duration", "\"5m\"",
       "alert when a session has been idle in a transaction this long; 0s (off) or 1s..24h",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.alerts.idle_in_transaction, {1s, 24h, true});
       }},
    CK{"alerts", "long_transaction", "duration", "\"15m\"",
       "alert when a transaction has been open this long; 0s (off) or 1s..24h",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_duration(v, k, d, c.alerts.long_transaction, {1s, 24h, true});
       }},
    CK{"alerts", "lock_waiters", "integer", "1",
       "alert when this many sessions wait on locks; 0 (off) or 1..10000",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_int(v, k, d, c.alerts.lock_waiters, {.min = 0, .max = 10000, .example = 1});
       }},
    CK{"alerts", "max_per_hour", "integer", "30",
       "at most this many notifications per hour across all receivers (resolves are always "
       "sent); 1..10000",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_int(v, k, d, c.alerts.max_per_hour, {.min = 1, .max = 10000, .example = 30});
       }},
    CK{"alerts", "leader_election", "boolean", "true",
       "with several agents on one database, only the one holding a Postgres advisory lock "
       "sends notifications; false: every agent sends",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_bool(v, k, d, c.alerts.leader_election);
       }},
    CK{"alerts", "runbook_url", "string", "\"\"",
       "a link added to every alert: \"\" (none) or an https:// or http:// URL; a #section is "
       "allowed",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         set_runbook_url(v, k, c, d);
       }},
    CK{"alerts", "receivers", "array of tables", "[]",
       "where notifications go, one [[alerts.receivers]] block each (keys below); with none, no "
       "alert is evaluated or sent",
       [](const toml::node& v, const std::string& k, Config& c, Diagnostics& d) {
         apply_alert_receivers(v, k, c, d);
       }},
};

// Marker keys only record what they saw; apply_migrations() decides the kind afterwards.
using MK = KeySpec<MarkerDraft>;
const std::array kMarkerKeys{
    MK{"readiness.migrations", "name", "string", "",
       "required; unique; shown in /health/ready when the marker is missing",
       [](const toml::node& v, const std::string& k, MarkerDraft& m, Diagnostics& d) {
         m.name.emplace(std::string{}, position_of(v));
         const std::string* text = string_value(v, k, "a string like \"add_permits\"", d);
         if (!text) return;
         if (auto ok = check_application_name(*text); !ok) {
           return report(d, v, k, "marker name " + in_quotes(*text) + " " + ok.error());
         }
         m.name->value = *text;
       }},
    MK{"readiness.migrations", "kind", "string", "",
       "optional: table, column or query; when given it must agree with the keys present",
       [](const toml::node& v, const std::string& k, MarkerDraft& m, Diagnostics& d) {
         using Kind = MigrationMarker::Kind;
         m.kind.emplace(Kind::table, position_of(v));
         const std::string* text = string_value(v, k, "a string like \"table\"", d);
         if (!text) return;
         static constexpr std::array<std::string_view, 3> kKinds{"table", "column", "query"};
         const auto it = std::ranges::find(kKinds, *text);
         if (it == kKinds.end()) {
           return report(d, v, k,
                         in_quotes(*text) +
                             " is not a marker kind; use table, column or query (or leave kind "
                             "out: the other keys imply it)");
         }
         m.kind->value = static_cast<Kind>(it - kKinds.begin());
       }},
    MK{"readiness.migrations", "table", "string", "",
       "\"table\" or \"schema.table\": alone, the marker checks the table exists; with column, "
       "that the column exists in it",
       [](const toml::node& v, const std::string& k, MarkerDraft& m, Diagnostics& d) {
         m.table.emplace(TableName{}, position_of(v));
         if (auto table = table_name_value(v, k, d)) m.table->value = std::move(*table);
       }},
    MK{"readiness.migrations", "column", "string", "",
       "a column of `table` that the migration added; unquoted name, folded to lower case",
       [](const toml::node& v, const std::string& k, MarkerDraft& m, Diagnostics& d) {
         m.column.emplace(std::string{}, position_of(v));
         const std::string* text = string_value(v, k, "a string like \"score\"", d);
         if (!text) return;
         auto column = parse_identifier(*text);
         if (!column) {
           return report(d, v, k, in_quotes(*text) + " is not a column name: " + column.error());
         }
         m.column->value = std::move(*column);
       }},
    MK{"readiness.migrations", "query", "string", "",
       "one read-only SQL statement returning a single boolean; true means applied",
       [](const toml::node& v, const std::string& k, MarkerDraft& m, Diagnostics& d) {
         m.query.emplace(std::string{}, position_of(v));
         const std::string* text = string_value(
             v, k, "a string like \"SELECT version_num = 'abc123' FROM alembic_version\"", d);
         if (!text) return;
         if (auto ok = check_query(*text); !ok) return report(d, v, k, "the query " + ok.error());
         m.query->value = *text;
       }},
};

// Like the marker keys, client keys only record what they saw; apply_pool_clients() reports
// missing keys and duplicate names once the entry is complete.
using PK = KeySpec<ClientDraft>;
const std::array kClientKeys{
    PK{"pool.clients", "name", "string", "",
       "required; unique; 1..63 printable ASCII characters; names the client in /status",
       [](const toml::node& v, const std::string& k, ClientDraft& p, Diagnostics& d) {
         p.name.emplace(std::string{}, position_of(v));
         const std::string* text = string_value(v, k, "a string like \"web\"", d);
         if (!text) return;
         if (auto ok = check_application_name(*text); !ok) {
           return report(d, v, k, "client name " + in_quotes(*text) + " " + ok.error());
         }
         p.name->value = *text;
       }},
    PK{"pool.clients", "application_name", "string", "",
       "required; a glob matched against application_name in pg_stat_activity: * matches any "
       "characters, ? one character (e.g. \"web:*\"); 1..63 printable ASCII characters",
       [](const toml::node& v, const std::string& k, ClientDraft& p, Diagnostics& d) {
         p.application_name.emplace(std::string{}, position_of(v));
         const std::string* text = string_value(v, k, "a string like \"web:*\"", d);
         if (!text) return;
         if (auto ok = check_application_name(*text); !ok) {
           return report(d, v, k,
                         "application_name pattern " + in_quotes(*text) + " " + ok.error() +
                             " (* and ? are wildcards)");
         }
         p.application_name->value = *text;
       }},
    PK{"pool.clients", "instances", "integer", "1",
       "how many processes run this client, each with its own pool; 1..1000",
       [](const toml::node& v, const std::string& k, ClientDraft& p, Diagnostics& d) {
         p.instances.emplace(1, position_of(v));
         set_int(v, k, d, p.instances->value, {.min = 1, .max = 1000, .example = 4});
       }},
    PK{"pool.clients", "pool_max", "integer", "",
       "required; the most connections one instance's pool may open (for SQLAlchemy: pool_size "
       "+ max_overflow); 1..10000",
       [](const toml::node& v, const std::string& k, ClientDraft& p, Diagnostics& d) {
         p.pool_max.emplace(0, position_of(v));
         set_int(v, k, d, p.pool_max->value, {.min = 1, .max = 10000, .example = 20});
       }},
    PK{"pool.clients", "via_pgbouncer", "boolean", "false",
       "true when this client connects through PgBouncer: its pools count against PgBouncer's "
       "max_client_conn, and Postgres sees PgBouncer's server connections instead",
       [](const toml::node& v, const std::string& k, ClientDraft& p, Diagnostics& d) {
         p.via_pgbouncer.emplace(false, position_of(v));
         set_bool(v, k, d, p.via_pgbouncer->value);
       }},
};

// Like the client keys: apply_http_checks() reports missing keys and duplicate names.
using HK = KeySpec<HttpDraft>;
const std::array kHttpKeys{
    HK{"readiness.http", "name", "string", "",
       "required; unique among the HTTP checks; 1..63 printable ASCII characters; the check "
       "shows as \"http:<name>\" in /health/ready",
       [](const toml::node& v, const std::string& k, HttpDraft& h, Diagnostics& d) {
         h.name.emplace(std::string{}, position_of(v));
         const std::string* text = string_value(v, k, "a string like \"app\"", d);
         if (!text) return;
         if (auto ok = check_application_name(*text); !ok) {
           return report(d, v, k, "check name " + in_quotes(*text) + " " + ok.error());
         }
         h.name->value = *text;
       }},
    HK{"readiness.http", "url", "string", "",
       "required; http://host[:port][/path]: plain HTTP only (no https, no user:password@); host "
       "a name, an IPv4 address or a bracketed IPv6 address; port 1..65535, default 80; path "
       "default \"/\"",
       [](const toml::node& v, const std::string& k, HttpDraft& h, Diagnostics& d) {
         h.url.emplace(std::string{}, position_of(v));
         const std::string* text =
             string_value(v, k, "a string like \"http://127.0.0.1:8000/healthz\"", d);
         if (!text) return;
         // Not echoed: the reason quotes only the offending part, never a password.
         auto url = parse_http_url(*text);
         if (!url) return report(d, v, k, "not a usable check URL: " + url.error());
         h.url->value = std::move(url->url);
       }},
    HK{"readiness.http", "expect_status", "integer", "200",
       "the HTTP status the app must answer with; 100..599",
       [](const toml::node& v, const std::string& k, HttpDraft& h, Diagnostics& d) {
         h.expect_status.emplace(200, position_of(v));
         set_int(v, k, d, h.expect_status->value, {.min = 100, .max = 599, .example = 200});
       }},
    HK{"readiness.http", "timeout", "duration", "\"2s\"",
       "how long one request may take, connecting included; 100ms..60s",
       [](const toml::node& v, const std::string& k, HttpDraft& h, Diagnostics& d) {
         h.timeout.emplace(Duration{2000}, position_of(v));
         set_duration(v, k, d, h.timeout->value, {100ms, 60s});
       }},
};

// Like the client keys, receiver keys only record what they saw; apply_alert_receivers() checks
// what each type needs and forbids once the entry is complete.
using RK = KeySpec<ReceiverDraft>;
const std::array kReceiverKeys{
    RK{"alerts.receivers", "name", "string", "",
       "required; unique among receivers; 1..63 printable ASCII characters; labels delivery "
       "metrics and `opsagent test-alert --receiver`",
       [](const toml::node& v, const std::string& k, ReceiverDraft& r, Diagnostics& d) {
         r.name.emplace(std::string{}, position_of(v));
         const std::string* text = string_value(v, k, "a string like \"oncall\"", d);
         if (!text) return;
         if (auto ok = check_application_name(*text); !ok) {
           return report(d, v, k, "receiver name " + in_quotes(*text) + " " + ok.error());
         }
         r.name->value = *text;
       }},
    RK{"alerts.receivers", "type", "string", "",
       "required; webhook, slack, pagerduty, alertmanager or exec",
       [](const toml::node& v, const std::string& k, ReceiverDraft& r, Diagnostics& d) {
         using Type = AlertReceiver::Type;
         r.type.emplace(Type::webhook, position_of(v));
         const std::string* text = string_value(v, k, "a string like \"slack\"", d);
         if (!text) return;
         const auto it = std::ranges::find(kReceiverTypes, *text);
         if (it != std::end(kReceiverTypes)) {
           r.type->value = static_cast<Type>(it - std::begin(kReceiverTypes));
           return;
         }
         // Not echoed, like the other receiver values: it may be a URL pasted in the wrong key.
         std::string folded = *text;
         std::ranges::transform(folded, folded.begin(), [](char ch) {
           return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
         });
         const auto near = closest(folded, kReceiverTypes);
         report(d, v, k,
                "not a receiver type; use webhook, slack, pagerduty, alertmanager or exec" +
                    (near ? " (did you mean \"" + std::string(*near) + "\"?)" : std::string()));
       }},
    RK{"alerts.receivers", "url", "string", "",
       "where to send: https://host[:port][/path][?query] (or http://), no user:password@; "
       "webhook, slack and alertmanager need url or url_env; for pagerduty it replaces the "
       "Events v2 endpoint; prefer url_env when the URL carries a token",
       [](const toml::node& v, const std::string& k, ReceiverDraft& r, Diagnostics& d) {
         r.url.emplace(std::string{}, position_of(v));
         const std::string* text =
             string_value(v, k, "a string like \"https://hooks.example.com/opsagent\"", d);
         if (!text) return;
         // Not echoed: the reason names the part that is wrong, never the token in the URL.
         auto url = parse_receiver_url(*text);
         if (!url) return report(d, v, k, "not a usable receiver URL: " + url.error());
         r.url->value = std::move(url->url);
       }},
    RK{"alerts.receivers", "url_env", "string", "",
       "instead of url: the environment variable holding it, read when sending (Slack webhook "
       "URLs are secrets)",
       [](const toml::node& v, const std::string& k, ReceiverDraft& r, Diagnostics& d) {
         r.url_env.emplace(std::string{}, position_of(v));
         if (auto* text = env_name_value(v, k, "the URL", "SLACK_WEBHOOK_URL", d)) {
           r.url_env->value = *text;
         }
       }},
    RK{"alerts.receivers", "secret_env", "string", "",
       "webhook only: the environment variable holding the Standard Webhooks signing secret "
       "(\"whsec_<base64>\"; two separated by a space while rotating); absent: unsigned",
       [](const toml::node& v, const std::string& k, ReceiverDraft& r, Diagnostics& d) {
         r.secret_env.emplace(std::string{}, position_of(v));
         if (auto* text =
                 env_name_value(v, k, "the signing secret", "OPSAGENT_WEBHOOK_SECRET", d)) {
           r.secret_env->value = *text;
         }
       }},
    RK{"alerts.receivers", "routing_key_env", "string", "",
       "pagerduty only, required there: the environment variable holding the integration "
       "(routing) key",
       [](const toml::node& v, const std::string& k, ReceiverDraft& r, Diagnostics& d) {
         r.routing_key_env.emplace(std::string{}, position_of(v));
         if (auto* text = env_name_value(v, k, "the routing key", "PAGERDUTY_ROUTING_KEY", d)) {
           r.routing_key_env->value = *text;
         }
       }},
    RK{"alerts.receivers", "command", "array of strings", "",
       "exec only, required there: the program and its arguments, run without a shell; the "
       "alert is written to its standard input as JSON",
       [](const toml::node& v, const std::string& k, ReceiverDraft& r, Diagnostics& d) {
         r.command.emplace(std::vector<std::string>{}, position_of(v));
         if (auto argv = command_value(v, k, d)) r.command->value = std::move(*argv);
       }},
    RK{"alerts.receivers", "rules", "array of strings", "[]",
       "the rules routed to this receiver, each once: pool_saturation, client_pool_at_limit, "
       "readiness, idle_in_transaction, long_transaction, lock_waits; [] or absent: every rule",
       [](const toml::node& v, const std::string& k, ReceiverDraft& r, Diagnostics& d) {
         r.rules.emplace(std::vector<std::string>{}, position_of(v));
         if (auto rules = rules_value(v, k, d)) r.rules->value = std::move(*rules);
       }},
    RK{"alerts.receivers", "timeout", "duration", "\"10s\"",
       "how long one attempt may take (connect, send, answer; or the command to finish); "
       "1s..60s",
       [](const toml::node& v, const std::string& k, ReceiverDraft& r, Diagnostics& d) {
         r.timeout.emplace(Duration{10000}, position_of(v));
         set_duration(v, k, d, r.timeout->value, {1s, 60s});
       }},
};

// The array-of-tables sections below `section` that declare `name`: `pool_max` under [pool] was
// meant for a [[pool.clients]] block; `name` under [readiness] for either of its blocks.
std::vector<std::string_view> entry_sections_of(std::string_view section, std::string_view name) {
  std::vector<std::string_view> out;
  const auto find = [&](auto keys) {
    for (const auto& spec : keys) {
      if (spec.name == name && spec.section.starts_with(section) &&
          spec.section.size() > section.size() && spec.section[section.size()] == '.') {
        out.push_back(spec.section);
      }
    }
  };
  find(marker_keys());
  find(client_keys());
  find(http_keys());
  find(alert_receiver_keys());
  return out;
}

}  // namespace

std::span<const KeySpec<Config>> config_keys() {
  return kConfigKeys;
}
std::span<const KeySpec<MarkerDraft>> marker_keys() {
  return kMarkerKeys;
}
std::span<const KeySpec<ClientDraft>> client_keys() {
  return kClientKeys;
}
std::span<const KeySpec<HttpDraft>> http_keys() {
  return kHttpKeys;
}
std::span<const KeySpec<ReceiverDraft>> alert_receiver_keys() {
  return kReceiverKeys;
}

std::vector<std::string_view> config_sections() {
  std::vector<std::string_view> out;
  for (const auto& spec : kConfigKeys) {
    if (std::ranges::find(out, spec.section) == out.end()) out.push_back(spec.section);
  }
  return out;
}

std::string unknown_key_message(const std::string& shown_key, const std::string& shown_prefix,
                                std::string_view section, std::string_view name,
                                std::span<const KeyName> known) {
  const std::string message = "unknown key '" + shown_key + "'";
  std::vector<std::string_view> siblings;
  for (const auto& k : known) {
    if (k.section == section) siblings.push_back(k.name);
  }
  if (auto near = closest(name, siblings)) {
    return message + "; did you mean '" + shown_prefix + "." + std::string(*near) + "'?";
  }
  // Checked before other sections: `application_name` under [pool] is a client's, not
  // database.application_name.
  if (const auto entries = entry_sections_of(section, name); !entries.empty()) {
    std::string blocks;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) blocks += (i + 1 == entries.size()) ? " or " : ", ";
      blocks += "[[" + std::string(entries[i]) + "]]";
    }
    return message + "; `" + std::string(name) + "` belongs in a " + blocks + " block";
  }
  for (const auto& k : known) {
    if (k.section != section && k.name == name) {
      return message + "; did you mean '" + std::string(k.section) + "." + std::string(k.name) +
             "'? (it belongs in [" + std::string(k.section) + "])";
    }
  }
  const bool array_entry = shown_prefix.ends_with(']');
  // Appended, not "[" + std::string(section): g++ 12 at -O3 reports a false -Wrestrict for a
  // one-character literal prepended to a temporary string.
  const std::string table =
      std::string(array_entry ? "[[" : "[").append(section).append(array_entry ? "]]" : "]");
  return message + "; remove it (see config/example.toml for the keys of " + table + ")";
}

std::string_view type_name(const toml::node& value) {
  switch (value.type()) {
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::array:
      return "array";
    case toml::node_type::table:
      return "table";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

const std::string* string_value(const toml::node& value, const std::string& key,
                                std::string_view expected, Diagnostics& diag) {
  if (const auto* s = value.as_string()) return &s->get();
  report(diag, value, key,
         "expected " + std::string(expected) + ", got " + std::string(type_name(value)));
  return nullptr;
}

std::optional<TableName> table_name_value(const toml::node& value, const std::string& key,
                                          Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"public.permits\"", diag);
  if (!text) return std::nullopt;
  auto table = parse_table_name(*text);
  if (!table) {
    report(diag, value, key, in_quotes(*text) + " is not a table name: " + table.error());
    return std::nullopt;
  }
  return std::move(*table);
}

}  // namespace opsagent::config
