// [alerts] and [[alerts.receivers]]: every key read, every mistake explained at its position, and
// no URL, key or secret ever repeated in a message.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "config/load.hpp"
#include "config/syntax/http_url.hpp"
#include "config/test_helpers.hpp"
#include "config/warnings.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;
using Type = AlertReceiver::Type;

// A receiver block: `[[alerts.receivers]]` on line 1, `name = "r"` on line 2, then `body`
// (so the first line of `body` is line 3).
std::string receiver(std::string_view body) {
  return "[[alerts.receivers]]\nname = \"r\"\n" + std::string(body);
}

// --- [alerts] -------------------------------------------------------------------------------

TEST(LoadAlerts, DefaultsWithoutTheSection) {
  const Config c = loaded("");
  const AlertsSection& a = c.alerts;
  EXPECT_EQ(a.pending, 30s);
  EXPECT_EQ(a.keep_firing, 1min);
  EXPECT_EQ(a.repeat, 4h);
  EXPECT_FALSE(a.state_file);  // the default place is chosen at start
  EXPECT_EQ(a.clear_below, (Threshold{Threshold::Kind::percent, 75}));
  EXPECT_EQ(a.idle_in_transaction, 5min);
  EXPECT_EQ(a.long_transaction, 15min);
  EXPECT_EQ(a.lock_waiters, 1);
  EXPECT_EQ(a.max_per_hour, 30);
  EXPECT_TRUE(a.leader_election);
  EXPECT_EQ(a.runbook_url, "");
  EXPECT_TRUE(a.receivers.empty());
  EXPECT_FALSE(a.enabled());
  EXPECT_EQ(loaded("[alerts]\n").alerts, AlertsSection{});
  EXPECT_EQ(loaded("[alerts]\nreceivers = []\n").alerts, AlertsSection{});
}

// A full [alerts] section with one receiver of each type.
TEST(LoadAlerts, ReadsEveryKeyAndOneReceiverOfEachType) {
  const Config c = loaded(
      "[pool]\n"
      "warn = \"85%\"\n"
      "[alerts]\n"
      "pending = \"0s\"\n"
      "keep_firing = \"2m\"\n"
      "repeat = \"0s\"\n"
      "state_file = \"\"\n"
      "clear_below = \"70%\"\n"
      "idle_in_transaction = \"30s\"\n"
      "long_transaction = \"0s\"\n"
      "lock_waiters = 0\n"
      "max_per_hour = 10000\n"
      "leader_election = false\n"
      "runbook_url = \"https://wiki.example.com/runbooks/Postgres#pool-saturation\"\n"
      "\n"
      "[[alerts.receivers]]\n"
      "name = \"hooks\"\n"
      "type = \"webhook\"\n"
      "url = \"HTTPS://hooks.example.com:8443/opsagent?team=db\"\n"
      "secret_env = \"HOOK_SECRET\"\n"
      "timeout = \"1s\"\n"
      "\n"
      "[[alerts.receivers]]\n"
      "name = \"slack\"\n"
      "type = \"slack\"\n"
      "url_env = \"SLACK_WEBHOOK_URL\"\n"
      "rules = [\"pool_saturation\", \"readiness\"]\n"
      "\n"
      "[[alerts.receivers]]\n"
      "name = \"pager duty\"\n"
      "type = \"pagerduty\"\n"
      "routing_key_env = \"PD_ROUTING_KEY\"\n"
      "rules = []\n"
      "\n"
      "[[alerts.receivers]]\n"
      "name = \"am\"\n"
      "type = \"alertmanager\"\n"
      "url = \"http://[::1]:9093/api/v2/alerts\"\n"
      "timeout = \"60s\"\n"
      "\n"
      "[[alerts.receivers]]\n"
      "name = \"script\"\n"
      "type = \"exec\"\n"
      "command = [\"/usr/local/bin/notify\", \"--team\", \"db\", \"two words\"]\n"
      "rules = [\"lock_waits\", \"long_transaction\", \"idle_in_transaction\", "
      "\"client_pool_at_limit\"]\n");
  const AlertsSection want{
      .pending = 0s,
      .keep_firing = 2min,
      .repeat = 0s,
      .state_file = "",
      .clear_below = {Threshold::Kind::percent, 70},
      .idle_in_transaction = 30s,
      .long_transaction = 0s,
      .lock_waiters = 0,
      .max_per_hour = 10000,
      .leader_election = false,
      .runbook_url = "https://wiki.example.com/runbooks/Postgres#pool-saturation",
      .receivers = {
          {.name = "hooks",
           .type = Type::webhook,
           .url = "https://hooks.example.com:8443/opsagent?team=db",  // scheme in lower case
           .url_env = "",
           .secret_env = "HOOK_SECRET",
           .routing_key_env = "",
           .command = {},
           .rules = {},
           .timeout = 1s},
          {.name = "slack",
           .type = Type::slack,
           .url = "",
           .url_env = "SLACK_WEBHOOK_URL",
           .secret_env = "",
           .routing_key_env = "",
           .command = {},
           .rules = {"pool_saturation", "readiness"},
           .timeout = 10s},
          {.name = "pager duty",
           .type = Type::pagerduty,
           .url = "",
           .url_env = "",
           .secret_env = "",
           .routing_key_env = "PD_ROUTING_KEY",
           .command = {},
           .rules = {},
           .timeout = 10s},
          {.name = "am",
           .type = Type::alertmanager,
           .url = "http://[::1]:9093/api/v2/alerts",
           .url_env = "",
           .secret_env = "",
           .routing_key_env = "",
           .command = {},
           .rules = {},
           .timeout = 60s},
          {.name = "script",
           .type = Type::exec,
           .url = "",
           .url_env = "",
           .secret_env = "",
           .routing_key_env = "",
           .command = {"/usr/local/bin/notify", "--team", "db", "two words"},
           .rules = {"lock_waits", "long_transaction", "idle_in_transaction",
                     "client_pool_at_limit"},
           .timeout = 10s},
      }};
  EXPECT_EQ(c.alerts, want);
  EXPECT_TRUE(c.alerts.enabled());
}

TEST(LoadAlerts, AcceptsDottedKeysAndInlineTables) {
  const Config c = loaded(
      "alerts.repeat = \"168h\"\n"
      "alerts.receivers = [{ name = \"a\", type = \"exec\", command = [\"/bin/true\"] }]\n");
  EXPECT_EQ(c.alerts.repeat, 168h);
  ASSERT_EQ(c.alerts.receivers.size(), 1u);
  EXPECT_EQ(c.alerts.receivers[0].command, (std::vector<std::string>{"/bin/true"}));
  EXPECT_EQ(c.alerts.receivers[0].timeout, 10s);
  EXPECT_TRUE(c.alerts.receivers[0].rules.empty());  // every rule
}

struct RangeCase {
  std::string_view key;    // within [alerts]
  std::string_view value;  // TOML text
  bool in_range;
};

TEST(LoadAlerts, RangesAreEnforcedAtTheBoundaries) {
  const RangeCase cases[] = {
      {"pending", "\"0s\"", true},
      {"pending", "\"1h\"", true},
      {"pending", "\"1h1ms\"", false},
      {"keep_firing", "\"0s\"", true},
      {"keep_firing", "\"1h\"", true},
      {"keep_firing", "\"1h1ms\"", false},
      {"repeat", "\"0s\"", true},
      {"repeat", "\"1ms\"", false},
      {"repeat", "\"59s\"", false},
      {"repeat", "\"1m\"", true},
      {"repeat", "\"168h\"", true},
      {"repeat", "\"168h1ms\"", false},
      {"idle_in_transaction", "\"0s\"", true},
      {"idle_in_transaction", "\"999ms\"", false},
      {"idle_in_transaction", "\"1s\"", true},
      {"idle_in_transaction", "\"24h\"", true},
      {"idle_in_transaction", "\"24h1ms\"", false},
      {"long_transaction", "\"0s\"", true},
      {"long_transaction", "\"999ms\"", false},
      {"long_transaction", "\"1s\"", true},
      {"long_transaction", "\"24h\"", true},
      {"long_transaction", "\"25h\"", false},
      {"lock_waiters", "-1", false},
      {"lock_waiters", "0", true},
      {"lock_waiters", "10000", true},
      {"lock_waiters", "10001", false},
      {"max_per_hour", "0", false},
      {"max_per_hour", "1", true},
      {"max_per_hour", "10000", true},
      {"max_per_hour", "10001", false},
  };
  for (const RangeCase& c : cases) {
    const std::string toml =
        "[alerts]\n" + std::string(c.key) + " = " + std::string(c.value) + "\n";
    if (c.in_range) {
      loaded(toml);
    } else {
      expect_single_error(toml, {2, static_cast<int>(c.key.size()) + 4,
                                 "alerts." + std::string(c.key), "is out of range"});
    }
  }
}

TEST(LoadAlerts, RangeMessagesSayWhatIsAllowed) {
  expect_single_error("[alerts]\npending = \"2h\"\n",
                      {2, 11, "alerts.pending",
                       "\"2h\" is out of range; use a duration from 0s "
                       "to 1h"});
  expect_single_error("[alerts]\nrepeat = \"30s\"\n",
                      {2, 10, "alerts.repeat",
                       "\"30s\" is out of range; use 0s (off) or a duration from 1m to 168h"});
  expect_single_error(
      "[alerts]\nidle_in_transaction = \"500ms\"\n",
      {2, 23, "alerts.idle_in_transaction", "use 0s (off) or a duration from 1s to 24h"});
  expect_single_error(
      "[alerts]\nlock_waiters = 20000\n",
      {2, 16, "alerts.lock_waiters", "20000 is out of range; use an integer from 0 to 10000"});
  expect_single_error(
      "[alerts]\nmax_per_hour = 0\n",
      {2, 16, "alerts.max_per_hour", "0 is out of range; use an integer from 1 to 10000"});
  expect_single_error("[alerts]\nkeep_firing = 60\n",
                      {2, 15, "alerts.keep_firing",
                       "expected a string like \"5s\", got integer (a duration needs a unit"});
  expect_single_error("[alerts]\nrepeat = \"4 hours\"\n",
                      {2, 10, "alerts.repeat", "is not a duration"});
  expect_single_error("[alerts]\nmax_per_hour = \"30\"\n",
                      {2, 16, "alerts.max_per_hour", "expected an integer like 30, got string"});
}

TEST(LoadAlerts, LeaderElectionIsABoolean) {
  EXPECT_FALSE(loaded("[alerts]\nleader_election = false\n").alerts.leader_election);
  EXPECT_TRUE(loaded("[alerts]\nleader_election = true\n").alerts.leader_election);
  expect_single_error("[alerts]\nleader_election = \"yes\"\n",
                      {2, 19, "alerts.leader_election",
                       "expected true or false, got string (write true or false without "
                       "quotes)"});
  expect_single_error("[alerts]\nleader_election = 1\n",
                      {2, 19, "alerts.leader_election", "expected true or false, got integer"});
}

TEST(LoadAlerts, StateFile) {
  EXPECT_EQ(loaded("[alerts]\nstate_file = \"alerts.json\"\n").alerts.state_file, "alerts.json");
  EXPECT_EQ(loaded("[alerts]\nstate_file = \"\"\n").alerts.state_file, "");
  const std::string longest = "/" + std::string(4095, 'a');
  EXPECT_EQ(loaded("[alerts]\nstate_file = \"" + longest + "\"\n").alerts.state_file, longest);
  expect_single_error("[alerts]\nstate_file = \"/" + std::string(4096, 'a') + "\"\n",
                      {2, 14, "alerts.state_file",
                       "the path is 4097 bytes long; use a path of at most 4096 bytes (or \"\" "
                       "to keep alert state in memory only)"});
  expect_single_error("[alerts]\nstate_file = \"/var/lib/a\\u0000b\"\n",
                      {2, 14, "alerts.state_file", "the path has a NUL character at byte 11"});
  expect_single_error("[alerts]\nstate_file = \"/var/lib/opsagent/\"\n",
                      {2, 14, "alerts.state_file", "names a directory; name the file"});
  expect_single_error("[alerts]\nstate_file = false\n",
                      {2, 14, "alerts.state_file",
                       "expected a string like \"/var/lib/opsagent/alerts.json\", got boolean"});
}

TEST(LoadAlerts, RunbookUrl) {
  const auto runbook = [](std::string_view url) {
    return loaded("[alerts]\nrunbook_url = \"" + std::string(url) + "\"\n").alerts.runbook_url;
  };
  EXPECT_EQ(runbook(""), "");
  EXPECT_EQ(runbook("https://wiki.example.com/runbooks/db#pool"),
            "https://wiki.example.com/runbooks/db#pool");
  EXPECT_EQ(runbook("http://wiki"), "http://wiki/");
  EXPECT_EQ(runbook("HTTPS://wiki/x?page=1"), "https://wiki/x?page=1");
  const std::string head = "[alerts]\nrunbook_url = ";
  expect_single_error(head + "\"wiki.example.com/runbooks\"\n",
                      {2, 15, "alerts.runbook_url",
                       "not a usable runbook URL (use \"\" for none): missing \"https://\" or "
                       "\"http://\" at the start"});
  expect_single_error(head + "\"ftp://wiki/x\"\n",
                      {2, 15, "alerts.runbook_url", "the scheme is not supported"});
  expect_single_error(head + "\"https://wiki/a b\"\n",
                      {2, 15, "alerts.runbook_url", "percent-encode it"});
  expect_single_error(head + "\"https://wiki/a#b c\"\n",
                      {2, 15, "alerts.runbook_url", "the fragment has a space"});
  expect_single_error(head + "\"https://u:p@wiki/\"\n",
                      {2, 15, "alerts.runbook_url", "a user name or password"});
  expect_single_error(head + "7\n", {2, 15, "alerts.runbook_url", "got integer"});
}

// --- clear_below: the hysteresis of pool_saturation ---------------------------------------------

TEST(LoadAlertsClearBelow, EveryThresholdForm) {
  using Kind = Threshold::Kind;
  EXPECT_EQ(loaded("[alerts]\nclear_below = \"79.5%\"\n").alerts.clear_below,
            (Threshold{Kind::percent, 79.5}));
  EXPECT_EQ(
      loaded("[pool]\nwarn = 90\ncritical = 95\n[alerts]\nclear_below = 80\n").alerts.clear_below,
      (Threshold{Kind::count, 80}));
  EXPECT_EQ(loaded("[pool]\nwarn = \"-5\"\ncritical = \"-2\"\n[alerts]\nclear_below = \"-10\"\n")
                .alerts.clear_below,
            (Threshold{Kind::slots_left, 10}));
  expect_single_error("[alerts]\nclear_below = 0.7\n",
                      {2, 15, "alerts.clear_below",
                       "got float; a fraction like 0.8 is written as a percentage: \"80%\""});
  expect_single_error("[alerts]\nclear_below = \"75\"\n",
                      {2, 15, "alerts.clear_below", "\"75\" is a number in quotes"});
}

TEST(LoadAlertsClearBelow, MustComeStrictlyBeforeWarnInTheSameForm) {
  expect_single_error(
      "[alerts]\nclear_below = \"80%\"\n",
      {2, 15, "alerts.clear_below",
       "alerts.clear_below (\"80%\") is not below pool.warn (\"80%\"); a pool_saturation alert "
       "fires at pool.warn and resolves only once use drops below clear_below, so clear_below "
       "must come strictly before warn: the gap (hysteresis) keeps the alert from flapping while "
       "use hovers around warn; lower alerts.clear_below or raise pool.warn"});
  expect_single_error("[alerts]\nclear_below = \"90%\"\n",
                      {2, 15, "alerts.clear_below", "(\"90%\") is not below pool.warn (\"80%\")"});
  expect_single_error("[pool]\nwarn = 85\ncritical = 95\n[alerts]\nclear_below = 85\n",
                      {5, 15, "alerts.clear_below",
                       "alerts.clear_below (85) is not below "
                       "pool.warn (85)"});
  expect_single_error(
      "[pool]\nwarn = \"-5\"\ncritical = \"-2\"\n[alerts]\nclear_below = \"-5\"\n",
      {5, 15, "alerts.clear_below",
       "alerts.clear_below (\"-5\") does not leave more slots than pool.warn (\"-5\"); a "
       "pool_saturation alert fires at pool.warn"});
  expect_single_error("[pool]\nwarn = \"-5\"\ncritical = \"-2\"\n[alerts]\nclear_below = \"-3\"\n",
                      {5, 15, "alerts.clear_below",
                       "use more slots left for alerts.clear_below or fewer for pool.warn"});
  loaded("[alerts]\nclear_below = \"79.9%\"\n");
  loaded("[pool]\nwarn = 85\ncritical = 95\n[alerts]\nclear_below = 84\n");
  loaded("[pool]\nwarn = \"-5\"\ncritical = \"-2\"\n[alerts]\nclear_below = \"-6\"\n");
}

TEST(LoadAlertsClearBelow, MixedFormsAreNotCompared) {
  loaded("[alerts]\nclear_below = 90\n");      // warn "80%"
  loaded("[alerts]\nclear_below = \"-0\"\n");  // warn "80%"
  loaded("[pool]\nwarn = \"-5\"\n[alerts]\nclear_below = \"99%\"\n");
}

// The default clear_below only matters once alerts are sent: a pool.warn lowered below 75% is
// fine on its own, but with a receiver the error points at the warn the file set.
TEST(LoadAlertsClearBelow, DefaultClearBelowIsCheckedOnlyWithReceivers) {
  loaded("[pool]\nwarn = \"70%\"\n");
  expect_single_error(
      "[pool]\nwarn = \"70%\"\n" + receiver("type = \"exec\"\ncommand = [\"/bin/true\"]\n"),
      {2, 8, "alerts.clear_below",
       "alerts.clear_below (\"75%\", the default) is not below pool.warn (\"70%\")"});
}

TEST(LoadAlertsClearBelow, SkippedWhenAThresholdIsWrong) {
  expect_single_error("[pool]\nwarn = \"x\"\n[alerts]\nclear_below = \"90%\"\n",
                      {2, 8, "pool.warn", "\"x\" is not a threshold"});
  expect_single_error("[alerts]\nclear_below = \"101%\"\n",
                      {2, 15, "alerts.clear_below", "\"101%\" is out of range"});
}

// --- receivers: required keys, names, shapes ---------------------------------------------------

TEST(LoadAlertReceivers, MissingNameAndType) {
  const ConfigErrors errors = errors_of("[alerts]\n\n[[alerts.receivers]]\nurl = \"https://h/\"\n");
  ASSERT_EQ(errors.size(), 2u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {3, 1, "alerts.receivers[0].name",
                                  "missing `name`: give every receiver a unique name, e.g. name = "
                                  "\"oncall\""}));
  EXPECT_TRUE(matches(errors[1], {3, 1, "alerts.receivers[0].type",
                                  "missing `type`: how this receiver delivers, one of webhook, "
                                  "slack, pagerduty, alertmanager or exec, e.g. type = "
                                  "\"slack\""}));
}

TEST(LoadAlertReceivers, DuplicateName) {
  expect_single_error(
      "[[alerts.receivers]]\n"
      "name = \"oncall\"\n"
      "type = \"slack\"\n"
      "url_env = \"SLACK_A\"\n"
      "\n"
      "[[alerts.receivers]]\n"
      "name = \"oncall\"\n"
      "type = \"slack\"\n"
      "url_env = \"SLACK_B\"\n",
      {7, 8, "alerts.receivers[1].name",
       "receiver name \"oncall\" is already used by alerts.receivers[0] (line 2); give each "
       "receiver its own name"});
}

TEST(LoadAlertReceivers, BadNames) {
  const std::string tail = "type = \"exec\"\ncommand = [\"/bin/true\"]\n";
  expect_single_error("[[alerts.receivers]]\nname = \"\"\n" + tail,
                      {2, 8, "alerts.receivers[0].name", "receiver name \"\" is empty"});
  expect_single_error("[[alerts.receivers]]\nname = \"" + std::string(64, 'a') + "\"\n" + tail,
                      {2, 8, "alerts.receivers[0].name", "is 64 characters long"});
  expect_single_error("[[alerts.receivers]]\nname = \"on\\ncall\"\n" + tail,
                      {2, 8, "alerts.receivers[0].name", "non-printable or non-ASCII character"});
  expect_single_error(
      "[[alerts.receivers]]\nname = 1\n" + tail,
      {2, 8, "alerts.receivers[0].name", "expected a string like \"oncall\", got integer"});
  loaded("[[alerts.receivers]]\nname = \"" + std::string(63, 'a') + "\"\n" + tail);
}

TEST(LoadAlertReceivers, TypeValues) {
  const std::string tail = "command = [\"/bin/true\"]\n";
  expect_single_error(receiver("type = \"Slack\"\n"),
                      {3, 8, "alerts.receivers[0].type",
                       "not a receiver type; use webhook, slack, pagerduty, alertmanager or exec "
                       "(did you mean \"slack\"?)"});
  expect_single_error(receiver("type = \"pagerduti\"\n"),
                      {3, 8, "alerts.receivers[0].type", "(did you mean \"pagerduty\"?)"});
  const ConfigErrors errors = errors_of(receiver("type = \"email\"\n"));
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_EQ(errors[0].message.find("did you mean"), std::string::npos) << errors[0].message;
  EXPECT_EQ(errors[0].message.find("email"), std::string::npos) << errors[0].message;
  expect_single_error(receiver("type = 1\n"), {3, 8, "alerts.receivers[0].type",
                                               "expected a string like \"slack\", got integer"});
}

TEST(LoadAlertReceivers, WrongShapes) {
  expect_single_error("[alerts.receivers]\nname = \"a\"\n",
                      {1, 1, "alerts.receivers",
                       "expected an array of tables (write each receiver as a "
                       "[[alerts.receivers]] block), got table"});
  expect_single_error(
      "alerts.receivers = [\"slack\"]\n",
      {1, 21, "alerts.receivers[0]", "expected a table with `name` and `type`, got string"});
}

TEST(LoadAlertReceivers, UnknownKeysGetHints) {
  const std::string head = receiver("type = \"exec\"\ncommand = [\"/bin/true\"]\n");
  expect_single_error(head + "timout = \"5s\"\n",
                      {5, 1, "alerts.receivers[0].timout",
                       "unknown key 'alerts.receivers[0].timout'; did you mean "
                       "'alerts.receivers[0].timeout'?"});
  expect_single_error(
      head + "rule = [\"readiness\"]\n",
      {5, 1, "alerts.receivers[0].rule", "did you mean 'alerts.receivers[0].rules'?"});
  expect_single_error(head + "retries = 3\n",
                      {5, 1, "alerts.receivers[0].retries",
                       "remove it (see config/example.toml for the keys of [[alerts.receivers]])"});
  // A misspelt key that the type needs is both unknown and missing.
  const ConfigErrors errors = errors_of(receiver("type = \"slack\"\nurlenv = \"SLACK_URL\"\n"));
  ASSERT_EQ(errors.size(), 2u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {1, 1, "alerts.receivers[0].url", "missing `url` or `url_env`"}));
  EXPECT_TRUE(matches(errors[1], {4, 1, "alerts.receivers[0].urlenv",
                                  "did you mean 'alerts.receivers[0].url_env'?"}));
}

TEST(LoadAlertReceivers, ReceiverKeyWrittenInTheSectionPointsToTheBlock) {
  expect_single_error("[alerts]\ntype = \"slack\"\n",
                      {2, 1, "alerts.type",
                       "unknown key 'alerts.type'; `type` belongs in a [[alerts.receivers]] "
                       "block"});
  expect_single_error("[alerts]\nurl_env = \"SLACK_URL\"\n",
                      {2, 1, "alerts.url_env", "belongs in a [[alerts.receivers]] block"});
  // `url` and `name` under [readiness] still point at the readiness blocks only.
  expect_single_error("[readiness]\nurl = \"http://h/\"\n",
                      {2, 1, "readiness.url", "`url` belongs in a [[readiness.http]] block"});
  expect_single_error("[agent]\npending = \"1m\"\n",
                      {2, 1, "agent.pending",
                       "did you mean 'alerts.pending'? (it belongs in "
                       "[alerts])"});
  expect_single_error("[alert]\npending = \"1m\"\n",
                      {1, 2, "alert", "unknown section [alert]; did you mean [alerts]?"});
}

// --- receivers: values --------------------------------------------------------------------------

TEST(LoadAlertReceivers, UrlForms) {
  const auto url_of = [](std::string_view url) {
    const Config c = loaded(receiver("type = \"webhook\"\nurl = \"" + std::string(url) + "\"\n"));
    return c.alerts.receivers.empty() ? std::string("<none>") : c.alerts.receivers[0].url;
  };
  EXPECT_EQ(url_of("https://hooks.slack.com/services/T000/B000/XXXX"),
            "https://hooks.slack.com/services/T000/B000/XXXX");
  EXPECT_EQ(url_of("http://10.0.0.5:8080/hook?token=abc&x=%20"),
            "http://10.0.0.5:8080/hook?token=abc&x=%20");
  EXPECT_EQ(url_of("https://h"), "https://h/");
  EXPECT_EQ(url_of("https://h?x=1"), "https://h/?x=1");
  EXPECT_EQ(url_of("HTTPS://[2001:db8::1]:443/x"), "https://[2001:db8::1]:443/x");
}

TEST(LoadAlertReceivers, UrlMistakesAreExplained) {
  struct Case {
    std::string_view url;
    std::string_view phrase;
  };
  const Case cases[] = {
      {"",
       "not a usable receiver URL: the URL is empty; write https://host[:port][/path] (or "
       "http://), e.g. \"https://hooks.example.com/opsagent\""},
      {"hooks.example.com/x", "missing \"https://\" or \"http://\" at the start"},
      {"ftp://h/x", "the scheme is not supported, only https and http"},
      {"https://", "missing host"},
      {"https:///x", "missing host"},
      {"https://h:0/", "the port is not a number from 1 to 65535"},
      {"https://h:99999/", "the port is not a number from 1 to 65535"},
      {"https://h_1/", "the host is not a host name"},
      {"https://1.2.3/", "the host is not an IPv4 address"},
      {"https://::1/", "an IPv6 address needs brackets"},
      {"https://u:p@h/",
       "a user name or password (\"user:password@\" before the host) is not "
       "allowed"},
      {"https://h/x#y", "a fragment (\"#...\") is never sent to the server; remove it"},
      {"https://h/a b", "the path has a space, control or non-ASCII character at position 3"},
      {"https://h/%zz", "must start an escape of two hex digits"},
  };
  for (const Case& c : cases) {
    expect_single_error(receiver("type = \"webhook\"\nurl = \"" + std::string(c.url) + "\"\n"),
                        {4, 7, "alerts.receivers[0].url", c.phrase});
  }
  expect_single_error(receiver("type = \"webhook\"\nurl = 443\n"),
                      {4, 7, "alerts.receivers[0].url",
                       "expected a string like \"https://hooks.example.com/opsagent\", got "
                       "integer"});
}

TEST(LoadAlertReceivers, EnvironmentVariableNames) {
  struct Case {
    std::string_view key;
    std::string_view type;  // a type that allows the key
    std::string_view rest;  // the other keys that type needs
    std::string_view holds;
  };
  const Case cases[] = {
      {"url_env", "slack", "",
       "the variable that holds the URL, e.g. \"SLACK_WEBHOOK_URL\" (the URL itself never goes "
       "in the file"},
      {"secret_env", "webhook", "url = \"https://h/\"\n",
       "holds the signing secret, e.g. \"OPSAGENT_WEBHOOK_SECRET\""},
      {"routing_key_env", "pagerduty", "", "holds the routing key, e.g. \"PAGERDUTY_ROUTING_KEY\""},
  };
  for (const Case& c : cases) {
    const std::string key(c.key);
    const std::string head = receiver("type = \"" + std::string(c.type) + "\"\n");
    const std::string rest(c.rest);
    const int column = static_cast<int>(key.size()) + 4;
    const std::string shown = "alerts.receivers[0]." + key;
    // The key is on line 4; the others the type needs follow it.
    const auto file = [&](std::string_view value) {
      return head + key + " = " + std::string(value) + "\n" + rest;
    };
    expect_single_error(file("\"1ABC\""),
                        {4, column, shown, "is not an environment variable name"});
    expect_single_error(file("\"MY-VAR\""),
                        {4, column, shown, "is not an environment variable name"});
    expect_single_error(file("\"\""), {4, column, shown, "the value is empty"});
    expect_single_error(file("\"https://h/x\""),
                        {4, column, shown, "looks like a URL, not the name of an environment"});
    expect_single_error(file("5"), {4, column, shown, "got integer"});
    expect_single_error(file("\"OK\"") + key + "x = 1\n",
                        {rest.empty() ? 5 : 6, 1, shown + "x", "did you mean '" + shown + "'?"});
    const ConfigErrors errors = errors_of(file("\"1ABC\""));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].message.find(c.holds), std::string::npos) << errors[0].message;
    EXPECT_EQ(errors[0].message.find("1ABC"), std::string::npos) << errors[0].message;
    EXPECT_EQ(loaded(file("\"_My_Var2\"")).alerts.receivers.size(), 1u);
  }
}

TEST(LoadAlertReceivers, Command) {
  const std::string head = receiver("type = \"exec\"\n");
  expect_single_error(head + "command = \"notify --team db\"\n",
                      {4, 11, "alerts.receivers[0].command",
                       "expected an array of strings like [\"/usr/local/bin/notify\", \"--team\", "
                       "\"db\"], got string; no shell runs it, so write the program and each "
                       "argument as its own string"});
  expect_single_error(head + "command = []\n",
                      {4, 11, "alerts.receivers[0].command",
                       "the command is empty; write the program and its arguments"});
  expect_single_error(head + "command = [\"\"]\n", {4, 12, "alerts.receivers[0].command[0]",
                                                    "the program is empty; write its path"});
  expect_single_error(head + "command = [\"/bin/x\", \"\"]\n",
                      {4, 22, "alerts.receivers[0].command[1]", "the argument is empty"});
  expect_single_error(
      head + "command = [\"/bin/x\", 3]\n",
      {4, 22, "alerts.receivers[0].command[1]", "expected an argument string, got integer"});
  expect_single_error(head + "command = [\"/bin/x\", \"a\\u0000b\"]\n",
                      {4, 22, "alerts.receivers[0].command[1]", "has a NUL character at byte 2"});
}

// pool_budget was a rule before it became a finding: a config that lists it still loads (an
// upgrade must not stop the agent), keeps it (so the receiver does not start getting every
// rule), and gets a warning naming it.
TEST(LoadAlertReceivers, PoolBudgetIsRetiredWithAWarningNotAnError) {
  const std::string head = receiver("type = \"exec\"\ncommand = [\"/bin/true\"]\n");
  const auto r = load_config_string(head + "rules = [\"pool_budget\"]\n", "t", no_env());
  ASSERT_TRUE(r) << dump(r.error());
  EXPECT_EQ(r->alerts.receivers.at(0).rules, std::vector<std::string>{"pool_budget"});
  const auto warnings = config_warnings(*r);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("alerts.receivers[0].rules: pool_budget is no longer an alert rule"),
            std::string::npos)
      << warnings[0];
}

TEST(LoadAlertReceivers, Rules) {
  const std::string head = receiver("type = \"exec\"\ncommand = [\"/bin/true\"]\n");
  const std::string all =
      "use pool_saturation, client_pool_at_limit, readiness, idle_in_transaction, "
      "long_transaction, lock_waits, pgbouncer_queue, upstream_circuit_open, job_stale, "
      "job_failing, query_threshold, container_cpu, container_memory, lock_queue, "
      "pool_exhaustion_forecast, leaked_connections or sessions_terminated";
  expect_single_error(head + "rules = [\"readiness\", \"pool_satuation\"]\n",
                      {5, 23, "alerts.receivers[0].rules[1]",
                       "not an alert rule; " + all +
                           " (did you mean \"pool_saturation\"?), or leave `rules` out for every "
                           "rule"});
  expect_single_error(head + "rules = [\"Readiness\"]\n",
                      {5, 10, "alerts.receivers[0].rules[0]", "(did you mean \"readiness\"?)"});
  const ConfigErrors errors = errors_of(head + "rules = [\"disk_full\"]\n");
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {5, 10, "alerts.receivers[0].rules[0]", all}));
  EXPECT_EQ(errors[0].message.find("did you mean"), std::string::npos) << errors[0].message;
  expect_single_error(head + "rules = [\"readiness\", \"lock_waits\", \"readiness\"]\n",
                      {5, 37, "alerts.receivers[0].rules[2]",
                       "rule \"readiness\" is listed twice (first at line 5, column 10); list "
                       "each rule once"});
  expect_single_error(head + "rules = [\"\"]\n",
                      {5, 10, "alerts.receivers[0].rules[0]", "the rule name is empty; " + all});
  expect_single_error(head + "rules = \"readiness\"\n",
                      {5, 9, "alerts.receivers[0].rules",
                       "expected an array of rule names like [\"pool_saturation\", \"readiness\"] "
                       "(or [] for every rule), got string"});
  expect_single_error(head + "rules = [1]\n",
                      {5, 10, "alerts.receivers[0].rules[0]",
                       "expected a rule name like \"readiness\", got integer"});
  // Every rule by name is the same as none.
  std::string every = head + "rules = [";
  // Appended, not "\"" + std::string(rule): g++ 12 at -O3 reports a false -Wrestrict for it.
  for (const auto rule : kAlertRules) every.append("\"").append(rule).append("\", ");
  every += "]\n";
  EXPECT_EQ(loaded(every).alerts.receivers[0].rules.size(), std::size(kAlertRules));
}

TEST(LoadAlertReceivers, TimeoutRange) {
  const std::string head = receiver("type = \"exec\"\ncommand = [\"/bin/true\"]\n");
  EXPECT_EQ(loaded(head + "timeout = \"1s\"\n").alerts.receivers[0].timeout, 1s);
  EXPECT_EQ(loaded(head + "timeout = \"60s\"\n").alerts.receivers[0].timeout, 60s);
  expect_single_error(head + "timeout = \"999ms\"\n",
                      {5, 11, "alerts.receivers[0].timeout",
                       "\"999ms\" is out of range; use a duration from 1s to 1m"});
  expect_single_error(head + "timeout = \"1m1ms\"\n",
                      {5, 11, "alerts.receivers[0].timeout", "is out of range"});
  expect_single_error(head + "timeout = 10\n",
                      {5, 11, "alerts.receivers[0].timeout", "a duration needs a unit"});
}

// --- receivers: what each type needs and forbids ----------------------------------------------

TEST(LoadAlertReceiverTypes, HttpTypesNeedExactlyOneOfUrlAndUrlEnv) {
  for (const std::string_view type : {"webhook", "slack", "alertmanager"}) {
    const std::string head = receiver("type = \"" + std::string(type) + "\"\n");
    loaded(head + "url = \"https://h/x\"\n");
    loaded(head + "url_env = \"HOOK_URL\"\n");
    expect_single_error(
        head, {1, 1, "alerts.receivers[0].url",
               "missing `url` or `url_env`: a" + std::string(type == "alertmanager" ? "n " : " ") +
                   std::string(type) + " receiver needs where to send, e.g. "});
    expect_single_error(head + "url = \"https://h/x\"\nurl_env = \"HOOK_URL\"\n",
                        {5, 11, "alerts.receivers[0].url_env",
                         "`url` and `url_env` are both set, but a" +
                             std::string(type == "alertmanager" ? "n " : " ") + std::string(type) +
                             " receiver takes its URL from one of them; keep url_env"});
  }
  expect_single_error(receiver("type = \"slack\"\n"),
                      {1, 1, "alerts.receivers[0].url", "e.g. url_env = \"SLACK_WEBHOOK_URL\""});
}

TEST(LoadAlertReceiverTypes, PagerDuty) {
  const std::string head = receiver("type = \"pagerduty\"\n");
  const Config c = loaded(head + "routing_key_env = \"PD_KEY\"\n");
  ASSERT_EQ(c.alerts.receivers.size(), 1u);
  EXPECT_EQ(c.alerts.receivers[0].url, "");  // the sender applies the Events v2 endpoint
  EXPECT_EQ(c.alerts.receivers[0].routing_key_env, "PD_KEY");
  EXPECT_EQ(loaded(head + "routing_key_env = \"PD_KEY\"\nurl = \"https://events.eu.pagerduty.com"
                          "/v2/enqueue\"\n")
                .alerts.receivers[0]
                .url,
            "https://events.eu.pagerduty.com/v2/enqueue");
  loaded(head + "routing_key_env = \"PD_KEY\"\nurl_env = \"PD_URL\"\n");
  expect_single_error(head + "url = \"https://h/\"\n",
                      {1, 1, "alerts.receivers[0].routing_key_env",
                       "missing `routing_key_env`: a pagerduty receiver needs the environment "
                       "variable holding the integration (routing) key, e.g. routing_key_env = "
                       "\"PAGERDUTY_ROUTING_KEY\""});
  expect_single_error(head + "routing_key_env = \"K\"\nurl = \"https://h/\"\nurl_env = \"U\"\n",
                      {6, 11, "alerts.receivers[0].url_env", "`url` and `url_env` are both set"});
}

TEST(LoadAlertReceiverTypes, ExecNeedsCommandAndNothingElse) {
  expect_single_error(receiver("type = \"exec\"\n"),
                      {1, 1, "alerts.receivers[0].command",
                       "missing `command`: an exec receiver needs the program to run and its "
                       "arguments, e.g. command = [\"/usr/local/bin/notify\", \"--team\", "
                       "\"db\"]"});
  const ConfigErrors errors =
      errors_of(receiver("type = \"exec\"\n"
                         "command = [\"/bin/notify\"]\n"
                         "url = \"https://h/\"\n"
                         "url_env = \"U\"\n"
                         "secret_env = \"S\"\n"
                         "routing_key_env = \"K\"\n"));
  ASSERT_EQ(errors.size(), 4u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {5, 7, "alerts.receivers[0].url",
                                  "`url` is not allowed in an exec receiver: it runs `command` "
                                  "and sends nothing over HTTP; remove it"}));
  EXPECT_TRUE(matches(errors[1], {6, 11, "alerts.receivers[0].url_env",
                                  "`url_env` is not allowed in an exec receiver"}));
  EXPECT_TRUE(matches(errors[2], {7, 14, "alerts.receivers[0].secret_env",
                                  "`secret_env` is not allowed in an exec receiver: only webhook "
                                  "receivers sign what they send"}));
  EXPECT_TRUE(matches(errors[3], {8, 19, "alerts.receivers[0].routing_key_env",
                                  "`routing_key_env` is not allowed in an exec receiver: only "
                                  "pagerduty receivers have a routing key; remove it"}));
}

TEST(LoadAlertReceiverTypes, KeysThatBelongToOneType) {
  expect_single_error(receiver("type = \"slack\"\nurl_env = \"U\"\nsecret_env = \"S\"\n"),
                      {5, 14, "alerts.receivers[0].secret_env",
                       "`secret_env` is not allowed in a slack receiver: only webhook receivers "
                       "sign what they send (Standard Webhooks); remove it"});
  expect_single_error(
      receiver("type = \"pagerduty\"\nrouting_key_env = \"K\"\nsecret_env = \"S\"\n"),
      {5, 14, "alerts.receivers[0].secret_env", "only webhook receivers sign"});
  expect_single_error(receiver("type = \"webhook\"\nurl_env = \"U\"\nrouting_key_env = \"K\"\n"),
                      {5, 19, "alerts.receivers[0].routing_key_env",
                       "`routing_key_env` is not allowed in a webhook receiver: only pagerduty "
                       "receivers have a routing key"});
  expect_single_error(
      receiver("type = \"alertmanager\"\nurl_env = \"U\"\ncommand = [\"/bin/x\"]\n"),
      {5, 11, "alerts.receivers[0].command",
       "`command` is not allowed in an alertmanager receiver: only exec receivers "
       "run a command (set type = \"exec\" to run one); remove it"});
  // Type-dependent rules need a known type: a bad or missing type is reported alone.
  expect_single_error(receiver("type = \"sms\"\ncommand = [\"/bin/x\"]\nsecret_env = \"S\"\n"),
                      {3, 8, "alerts.receivers[0].type", "not a receiver type"});
  expect_single_error(receiver("url = \"https://h/\"\ncommand = [\"/bin/x\"]\n"),
                      {1, 1, "alerts.receivers[0].type", "missing `type`"});
}

TEST(LoadAlertReceiverTypes, EachEntryIsJudgedOnItsOwn) {
  const ConfigErrors errors = errors_of(
      "[[alerts.receivers]]\nname = \"a\"\ntype = \"slack\"\n"
      "[[alerts.receivers]]\nname = \"b\"\ntype = \"exec\"\ncommand = [\"/bin/x\"]\n"
      "[[alerts.receivers]]\nname = \"c\"\ntype = \"pagerduty\"\n");
  ASSERT_EQ(errors.size(), 2u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {1, 1, "alerts.receivers[0].url", "missing `url` or"}));
  EXPECT_TRUE(matches(errors[1],
                      {8, 1, "alerts.receivers[2].routing_key_env", "missing `routing_key_env`"}));
}

// --- secrets and the environment ---------------------------------------------------------------

// Whatever is wrong, no part of a URL, variable value or argument that may be a secret shows up
// in a message: only the key, the position and what to do.
TEST(LoadAlertSecrets, NoMessageRepeatsATokenFromTheFile) {
  constexpr std::string_view kToken = "s3cr3tT0ken";
  const std::string t(kToken);
  const std::string webhook = "type = \"webhook\"\n";
  const std::string files[] = {
      receiver(webhook + "url = \"ftp://hooks.slack.com/services/T0/B0/" + t + "\"\n"),
      receiver(webhook + "url = \"https://user:" + t + "@hooks.example.com/x\"\n"),
      receiver(webhook + "url = \"https://" + t + ":pw@hooks.example.com/x\"\n"),
      receiver(webhook + "url = \"https://user:pa/" + t + "@hooks.example.com/x\"\n"),
      receiver(webhook + "url = \"https://hooks.example.com/services/x#" + t + "\"\n"),
      receiver(webhook + "url = \"https://hooks.example.com/a b/" + t + "\"\n"),
      receiver(webhook + "url = \"https://hooks.example.com/" + t + "%zz\"\n"),
      receiver(webhook + "url = \"https://hooks_" + t + ".example.com/\"\n"),
      receiver(webhook + "url = \"https://hooks.example.com:" + t + "/\"\n"),
      receiver(webhook + "url = \"https://[" + t + "]/\"\n"),
      receiver(webhook + "url = \"https://" + t + "::1/\"\n"),
      receiver(webhook + "url = \"hooks.slack.com/services/" + t + "\"\n"),
      receiver(webhook + "url = \"" + t + "://hooks.example.com/\"\n"),
      receiver("type = \"exec\"\ncommand = [\"/bin/x\"]\nurl = \"https://h/" + t + "\"\n"),
      receiver("type = \"slack\"\nurl = \"https://h/" + t + "\"\nurl_env = \"U\"\n"),
      receiver("type = \"slack\"\nurl_env = \"https://hooks.slack.com/services/" + t + "\"\n"),
      receiver(webhook + "url_env = \"U\"\nsecret_env = \"whsec_" + t + "==\"\n"),
      receiver("type = \"pagerduty\"\nrouting_key_env = \"" + t + "-key\"\n"),
      receiver("type = \"slack\"\nurl_env = \"U\"\nsecret_env = \"whsec_" + t + "==\"\n"),
      receiver("type = \"https://hooks.slack.com/" + t + "\"\n"),
      receiver("type = \"exec\"\ncommand = [\"/bin/x\"]\nrules = [\"" + t + "\"]\n"),
      receiver("type = \"exec\"\ncommand = [\"/bin/x\", \"\", \"--token=" + t + "\"]\n"),
      receiver("type = \"exec\"\ncommand = \"/bin/x --token=" + t + "\"\n"),
      receiver("type = \"exec\"\ncommand = [\"/bin/x\", \"--token=" + t + "\\u0000\"]\n"),
      receiver("webhook_url = \"https://hooks.slack.com/" + t + "\"\n"),
      "[alerts]\nurl = \"https://hooks.slack.com/" + t + "\"\n",
      "[alerts]\nrunbook_url = \"https://wiki/" + t + "#a b\"\n",
      "[alerts]\nrunbook_url = \"https://u:" + t + "@wiki/\"\n",
      "[alerts]\nrunbook_url = \"wiki/" + t + "\"\n",
  };
  for (const std::string& file : files) {
    const ConfigErrors errors = errors_of(file);
    ASSERT_FALSE(errors.empty()) << file;
    for (const ConfigError& e : errors) {
      const std::string text = e.to_string();
      EXPECT_EQ(text.find(kToken), std::string::npos) << text << "\nin:\n" << file;
      EXPECT_EQ(text.find("T0ken"), std::string::npos) << text << "\nin:\n" << file;
      EXPECT_EQ(text.find("s3cr"), std::string::npos) << text << "\nin:\n" << file;
      EXPECT_GT(e.line, 0) << text;  // still points at the place
      EXPECT_FALSE(e.key.empty()) << text;
    }
  }
}

// The variables are names only: the sender reads them when it delivers, so the loader neither
// asks for them nor cares whether they are set.
TEST(LoadAlertSecrets, EnvironmentVariablesAreNotReadAtLoadTime) {
  const std::string toml =
      "[[alerts.receivers]]\nname = \"hooks\"\ntype = \"webhook\"\nurl_env = \"HOOK_URL\"\n"
      "secret_env = \"HOOK_SECRET\"\n"
      "[[alerts.receivers]]\nname = \"pd\"\ntype = \"pagerduty\"\nrouting_key_env = \"PD_KEY\"\n";
  std::set<std::string> asked;
  const Environment recording = [&asked](std::string_view name) -> std::optional<std::string> {
    asked.insert(std::string(name));
    return std::nullopt;
  };
  const Config unset = loaded(toml, recording);
  for (const auto* name : {"HOOK_URL", "HOOK_SECRET", "PD_KEY"}) {
    EXPECT_EQ(asked.count(name), 0u) << name;
  }
  const std::map<std::string, std::string, std::less<>> vars{
      {"HOOK_URL", "not a url"}, {"HOOK_SECRET", "x"}, {"PD_KEY", ""}};
  const Environment set = [&vars](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_EQ(loaded(toml, set), unset);
  ASSERT_EQ(unset.alerts.receivers.size(), 2u);
  EXPECT_EQ(unset.alerts.receivers[0].url, "");
  EXPECT_EQ(unset.alerts.receivers[0].url_env, "HOOK_URL");
  EXPECT_EQ(unset.alerts.receivers[0].secret_env, "HOOK_SECRET");
  EXPECT_EQ(unset.alerts.receivers[1].routing_key_env, "PD_KEY");
}

// --- parse_receiver_url / parse_link_url --------------------------------------------------------

TEST(ParseReceiverUrl, HttpsAndHttpWithPathAndQuery) {
  struct Case {
    std::string_view text;
    HttpUrl want;
  };
  for (const Case& c : {
           Case{"https://hooks.slack.com/services/T0/B0/abc",
                {"hooks.slack.com", 443, "/services/T0/B0/abc",
                 "https://hooks.slack.com/services/T0/B0/abc", true}},
           Case{"HTTPS://h:8443", {"h", 8443, "/", "https://h:8443/", true}},
           Case{"http://[::1]:9093/api/v2/alerts",
                {"::1", 9093, "/api/v2/alerts", "http://[::1]:9093/api/v2/alerts", false}},
           Case{"https://h?token=a%20b",
                {"h", 443, "/?token=a%20b", "https://h/?token=a%20b", true}},
       }) {
    const auto r = parse_receiver_url(c.text);
    ASSERT_TRUE(r) << c.text << ": " << r.error();
    EXPECT_EQ(*r, c.want) << c.text;
  }
}

TEST(ParseReceiverUrl, ReadinessChecksStillRefuseHttps) {
  const auto r = parse_http_url("https://localhost/healthz");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("https is not supported for these local checks"), std::string::npos);
  const auto plain = parse_http_url("http://localhost/healthz");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->https);
  EXPECT_EQ(plain->port, 80);
}

TEST(ParseLinkUrl, KeepsTheFragmentOutOfThePath) {
  const auto r = parse_link_url("https://wiki/runbooks/db?v=2#pool");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->path, "/runbooks/db?v=2");
  EXPECT_EQ(r->url, "https://wiki/runbooks/db?v=2#pool");
  EXPECT_EQ(parse_link_url("https://wiki#top")->url, "https://wiki/#top");
  EXPECT_FALSE(parse_receiver_url("https://wiki/runbooks/db#pool"));
}

}  // namespace
}  // namespace opsagent::config
