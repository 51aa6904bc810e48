// [[alerts.receivers]]: each entry is read against alert_receiver_keys(), then checked for its
// required keys and for the keys its `type` needs and forbids, then names are checked for
// uniqueness across entries. Environment variables (url_env, secret_env, routing_key_env) are
// only names here: the sender reads them at delivery time, so none is resolved, and no value of
// a receiver key (a URL may carry a token) is repeated in a message.
#include "config/keys.hpp"
#include "config/table_array.hpp"
#include "config/values.hpp"

namespace opsagent::config {
namespace {

using Type = AlertReceiver::Type;

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

}  // namespace

void apply_alert_receivers(const toml::node& value, const std::string& key, Config& config,
                           Diagnostics& diag) {
  const TableArray<ReceiverDraft> spec{.section = "alerts.receivers",
                                       .block = "receiver",
                                       .expects = "`name` and `type`",
                                       .keys = alert_receiver_keys()};
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
