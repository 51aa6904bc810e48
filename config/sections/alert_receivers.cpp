// [[alerts.receivers]]: each entry is read against its key table, then checked for its required
// keys and for the keys its `type` needs and forbids, then names are checked for
// uniqueness across entries. Environment variables (url_env, secret_env, routing_key_env) are
// only names here: the sender reads them at delivery time, so none is resolved, and no value of
// a receiver key (a URL may carry a token) is repeated in a message.
#include <array>
#include <chrono>
#include <map>

#include "config/did_you_mean.hpp"
#include "config/key_types.hpp"
#include "config/keys.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/http_url.hpp"
#include "config/table_array.hpp"

namespace opsagent::config {

// The values of a receiver's `type`, in the order of AlertReceiver::Type.
constexpr std::string_view kReceiverTypes[] = {"webhook", "slack", "pagerduty", "alertmanager",
                                               "exec"};

// An [[alerts.receivers]] entry while it is being read: which keys a receiver needs or forbids
// depends on its `type`, so that is checked (and explained) once the whole entry has been seen.
// A key is recorded as present even when its value was wrong, so that it still counts there.
struct ReceiverDraft {
  Position at;  // the receiver's table, for missing keys
  std::optional<Given<std::string>> name;
  std::optional<Given<AlertReceiver::Type>> type;
  std::optional<Given<std::string>> url;  // as stored: see HttpUrl::url
  std::optional<Given<std::string>> url_env;
  std::optional<Given<std::string>> secret_env;
  std::optional<Given<std::string>> routing_key_env;
  std::optional<Given<std::vector<std::string>>> command;
  std::optional<Given<std::vector<std::string>>> rules;
  std::optional<Given<Duration>> timeout;
};

namespace {

using Type = AlertReceiver::Type;

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
      const auto near = closest_folded(*text, kAlertRules);
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

std::string type_name_of(Type type) {
  return std::string(kReceiverTypes[static_cast<std::size_t>(type)]);
}

// "a slack receiver", "an exec receiver".
std::string a_receiver(Type type) {
  const std::string name = type_name_of(type);
  const bool vowel = name.front() == 'a' || name.front() == 'e';
  return (vowel ? "an " : "a ") + name + " receiver";
}

// How to give an HTTP receiver its destination, for the "missing" message.
std::string_view url_example(Type type) {
  switch (type) {
    case Type::slack:
      return "url_env = \"SLACK_WEBHOOK_URL\" (best: a Slack webhook URL is a secret)";
    case Type::alertmanager:
      return "url = \"http://alertmanager:9093/api/v2/alerts\"";
    case Type::webhook:
    case Type::pagerduty:
    case Type::exec:
      break;
  }
  return "url = \"https://hooks.example.com/opsagent\", or url_env = \"WEBHOOK_URL\" when the "
         "URL carries a token";
}

// Checks the keys a receiver of one type needs and forbids; false when something is off.
class TypeCheck {
 public:
  TypeCheck(const ReceiverDraft& r, const std::string& key, Type type, Diagnostics& diag)
      : r_(r), key_(key), type_(type), diag_(diag) {}

  template <class Field>
  void need(const std::optional<Field>& given, std::string_view field, std::string_view what) {
    if (given) return;
    fail(r_.at, field,
         "missing `" + std::string(field) + "`: " + a_receiver(type_) + " needs " +
             std::string(what));
  }

  // `why` says what this type does instead, so the user sees why the key does not belong.
  template <class Field>
  void forbid(const std::optional<Field>& given, std::string_view field, std::string_view why) {
    if (!given) return;
    // Appended, not "`" + std::string(field) + …: g++ 12 at -O3 reports a false -Wrestrict for
    // a one-character literal prepended to a temporary string.
    std::string message = "`";
    message.append(field).append("` is not allowed in ").append(a_receiver(type_));
    message.append(": ").append(why).append("; remove it");
    fail(given->at, field, std::move(message));
  }

  // webhook, slack and alertmanager post to a URL given in exactly one of two ways.
  void need_one_url() {
    if (!r_.url && !r_.url_env) {
      fail(r_.at, "url",
           "missing `url` or `url_env`: " + a_receiver(type_) + " needs where to send, e.g. " +
               std::string(url_example(type_)));
    }
    at_most_one_url();
  }

  void at_most_one_url() {
    if (!r_.url || !r_.url_env) return;
    fail(r_.url_env->at, "url_env",
         "`url` and `url_env` are both set, but " + a_receiver(type_) +
             " takes its URL from one of them; keep url_env (the URL then stays out of the "
             "file) and remove url, or the other way round");
  }

  bool ok() const { return ok_; }

 private:
  void fail(Position at, std::string_view field, std::string message) {
    ok_ = false;
    diag_.error(at, key_ + "." + std::string(field), std::move(message));
  }

  const ReceiverDraft& r_;
  const std::string& key_;
  Type type_;
  Diagnostics& diag_;
  bool ok_ = true;
};

bool check_type_keys(const ReceiverDraft& r, const std::string& key, Type type, Diagnostics& diag) {
  TypeCheck check(r, key, type, diag);
  switch (type) {
    case Type::webhook:
    case Type::slack:
    case Type::alertmanager:
      check.need_one_url();
      break;
    case Type::pagerduty:
      check.need(r.routing_key_env, "routing_key_env",
                 "the environment variable holding the integration (routing) key, e.g. "
                 "routing_key_env = \"PAGERDUTY_ROUTING_KEY\"");
      // url and url_env are optional: without them the sender uses the Events v2 endpoint.
      check.at_most_one_url();
      break;
    case Type::exec:
      check.need(r.command, "command",
                 "the program to run and its arguments, e.g. command = "
                 "[\"/usr/local/bin/notify\", \"--team\", \"db\"]");
      check.forbid(r.url, "url", "it runs `command` and sends nothing over HTTP");
      check.forbid(r.url_env, "url_env", "it runs `command` and sends nothing over HTTP");
      break;
  }
  if (type != Type::webhook) {
    check.forbid(r.secret_env, "secret_env",
                 "only webhook receivers sign what they send (Standard Webhooks)");
  }
  if (type != Type::pagerduty) {
    check.forbid(r.routing_key_env, "routing_key_env",
                 "only pagerduty receivers have a routing key");
  }
  if (type != Type::exec) {
    check.forbid(r.command, "command",
                 "only exec receivers run a command (set type = \"exec\" to run one)");
  }
  return check.ok();
}

std::optional<AlertReceiver> resolve(const ReceiverDraft& r, const std::string& key,
                                     Diagnostics& diag) {
  // Reported at the entry's table: a missing key has no position of its own.
  if (!r.name) {
    diag.error(r.at, key + ".name",
               "missing `name`: give every receiver a unique name, e.g. name = \"oncall\"");
  }
  if (!r.type) {
    diag.error(r.at, key + ".type",
               "missing `type`: how this receiver delivers, one of webhook, slack, pagerduty, "
               "alertmanager or exec, e.g. type = \"slack\"");
  }
  // A `type` that failed its own check was already reported; what it needs is unknown.
  if (!r.name || !r.type || diag.has_error(key + ".type")) return std::nullopt;
  if (!check_type_keys(r, key, r.type->value, diag)) return std::nullopt;
  const AlertReceiver defaults;
  const auto value_or = [](const auto& given, const auto& fallback) {
    return given ? given->value : fallback;
  };
  return AlertReceiver{.name = r.name->value,
                       .type = r.type->value,
                       .url = value_or(r.url, defaults.url),
                       .url_env = value_or(r.url_env, defaults.url_env),
                       .secret_env = value_or(r.secret_env, defaults.secret_env),
                       .routing_key_env = value_or(r.routing_key_env, defaults.routing_key_env),
                       .command = value_or(r.command, defaults.command),
                       .rules = value_or(r.rules, defaults.rules),
                       .timeout = value_or(r.timeout, defaults.timeout)};
}

void set_type(const toml::node& v, const std::string& k, ReceiverDraft& r, Diagnostics& d) {
  r.type.emplace(Type::webhook, position_of(v));
  const std::string* text = string_value(v, k, "a string like \"slack\"", d);
  if (!text) return;
  const auto it = std::ranges::find(kReceiverTypes, *text);
  if (it != std::end(kReceiverTypes)) {
    r.type->value = static_cast<Type>(it - std::begin(kReceiverTypes));
    return;
  }
  // Not echoed, like the other receiver values: it may be a URL pasted in the wrong key.
  const auto near = closest_folded(*text, kReceiverTypes);
  report(d, v, k,
         "not a receiver type; use webhook, slack, pagerduty, alertmanager or exec" +
             (near ? " (did you mean \"" + std::string(*near) + "\"?)" : std::string()));
}

void set_url(const toml::node& v, const std::string& k, ReceiverDraft& r, Diagnostics& d) {
  r.url.emplace(std::string{}, position_of(v));
  const std::string* text =
      string_value(v, k, "a string like \"https://hooks.example.com/opsagent\"", d);
  if (!text) return;
  // Not echoed: the reason names the part that is wrong, never the token in the URL.
  auto url = parse_receiver_url(*text);
  if (!url) return report(d, v, k, "not a usable receiver URL: " + url.error());
  r.url->value = std::move(url->url);
}

void set_command(const toml::node& v, const std::string& k, ReceiverDraft& r, Diagnostics& d) {
  r.command.emplace(std::vector<std::string>{}, position_of(v));
  if (auto argv = command_value(v, k, d)) r.command->value = std::move(*argv);
}

void set_rules(const toml::node& v, const std::string& k, ReceiverDraft& r, Diagnostics& d) {
  r.rules.emplace(std::vector<std::string>{}, position_of(v));
  if (auto rules = rules_value(v, k, d)) r.rules->value = std::move(*rules);
}

using namespace std::chrono_literals;

// Like the client keys, receiver keys only record what they saw; resolve() checks what each
// type needs and forbids once the entry is complete.
using Key = KeySpec<ReceiverDraft>;
using R = ReceiverDraft;
constexpr std::string_view kSection = "alerts.receivers";

const std::array kKeys{
    Key{kSection, "name", entry_name<&R::name>("receiver name", "oncall"), "", Reload::live,
        "required; unique among receivers; 1..63 printable ASCII characters; labels delivery "
        "metrics and `opsagent test-alert --receiver`"},
    Key{kSection, "type", custom<&set_type>("string"), "", Reload::live,
        "required; webhook, slack, pagerduty, alertmanager or exec"},
    Key{kSection, "url", custom<&set_url>("string"), "", Reload::live,
        "where to send: https://host[:port][/path][?query] (or http://), no user:password@; "
        "webhook, slack and alertmanager need url or url_env; for pagerduty it replaces the "
        "Events v2 endpoint; prefer url_env when the URL carries a token"},
    Key{kSection, "url_env", secret_env<&R::url_env>("the URL", "SLACK_WEBHOOK_URL"), "",
        Reload::live,
        "instead of url: the environment variable holding it, read when sending (Slack webhook "
        "URLs are secrets)"},
    Key{kSection, "secret_env",
        secret_env<&R::secret_env>("the signing secret", "OPSAGENT_WEBHOOK_SECRET"), "",
        Reload::live,
        "webhook only: the environment variable holding the Standard Webhooks signing secret "
        "(\"whsec_<base64>\"; two separated by a space while rotating); absent: unsigned"},
    Key{kSection, "routing_key_env",
        secret_env<&R::routing_key_env>("the routing key", "PAGERDUTY_ROUTING_KEY"), "",
        Reload::live,
        "pagerduty only, required there: the environment variable holding the integration "
        "(routing) key"},
    Key{kSection, "command", custom<&set_command>("array of strings"), "", Reload::live,
        "exec only, required there: the program and its arguments, run without a shell; the "
        "alert is written to its standard input as JSON"},
    Key{kSection, "rules", custom<&set_rules>("array of strings"), "[]", Reload::live,
        "the rules routed to this receiver, each once: pool_saturation, client_pool_at_limit, "
        "readiness, idle_in_transaction, long_transaction, lock_waits; [] or absent: every rule"},
    Key{kSection, "timeout", duration<&R::timeout>(1s, 60s), "\"10s\"", Reload::live,
        "how long one attempt may take (connect, send, answer; or the command to finish); "
        "1s..60s"},
};

}  // namespace

std::span<const KeySpec<ReceiverDraft>> alert_receiver_keys() {
  return kKeys;
}

void apply_alert_receivers(const toml::node& value, const std::string& key, Config& config,
                           Diagnostics& diag) {
  const TableArray<ReceiverDraft> spec{.section = "alerts.receivers",
                                       .block = "receiver",
                                       .expects = "`name` and `type`",
                                       .keys = kKeys};
  auto receivers = apply_table_array(
      value, key, spec,
      [](Position at) {
        return ReceiverDraft{.at = at,
                             .name = {},
                             .type = {},
                             .url = {},
                             .url_env = {},
                             .secret_env = {},
                             .routing_key_env = {},
                             .command = {},
                             .rules = {},
                             .timeout = {}};
      },
      resolve, diag);
  if (receivers) config.alerts.receivers = std::move(*receivers);
}

}  // namespace opsagent::config
