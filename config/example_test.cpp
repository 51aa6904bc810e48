// config/example.toml is the user's reference: it must load, document every key of the key
// table, and show the real defaults. The key table's own defaults must match config.hpp.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "config/keys.hpp"
#include "config/load.hpp"
#include "config/test_helpers.hpp"

namespace opsagent::config {
namespace {

// Beside this test file; found through __FILE__ so that no build setting is needed.
std::string example_path() {
  return (std::filesystem::path(__FILE__).parent_path() / "example.toml").string();
}

std::string example_text() {
  std::ifstream in(example_path());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Example, LoadsCleanly) {
  const auto r = load_config_file(example_path(), no_env());
  ASSERT_TRUE(r) << dump(r.error());
  EXPECT_EQ(r->source, example_path());
}

TEST(Example, HasARealisticReadinessSection) {
  const auto r = load_config_file(example_path(), no_env());
  ASSERT_TRUE(r) << dump(r.error());
  const ReadinessSection& readiness = r->readiness;
  EXPECT_EQ(readiness.expected_tables, (std::vector<TableName>{{"", "permits"},
                                                               {"", "contacts"},
                                                               {"", "inspections"},
                                                               {"", "page_cache"},
                                                               {"", "cron_log"},
                                                               {"", "prep_checklists"}}));
  using Kind = MigrationMarker::Kind;
  ASSERT_EQ(readiness.migrations.size(), 3u);
  EXPECT_EQ(readiness.migrations[0].kind, Kind::query);
  EXPECT_EQ(readiness.migrations[0].query, "SELECT version_num = 'abc123' FROM alembic_version");
  EXPECT_EQ(readiness.migrations[1].kind, Kind::table);
  EXPECT_EQ(readiness.migrations[1].table, (TableName{"", "prep_checklists"}));
  EXPECT_EQ(readiness.migrations[2].kind, Kind::column);
  EXPECT_EQ(readiness.migrations[2].table, (TableName{"public", "inspections"}));
  EXPECT_EQ(readiness.migrations[2].column, "score");
}

// 4 web workers and a cron worker with pools of 20: a budget of 100 that the agent must flag
// against 97 usable slots.
TEST(Example, HasTheReferencePoolBudget) {
  const auto r = load_config_file(example_path(), no_env());
  ASSERT_TRUE(r) << dump(r.error());
  const PoolSection& pool = r->pool;
  EXPECT_EQ(pool.warn, (Threshold{Threshold::Kind::percent, 80}));
  EXPECT_EQ(pool.critical, (Threshold{Threshold::Kind::percent, 95}));
  EXPECT_EQ(pool.clients,
            (std::vector<PoolClient>{
                {.name = "web", .application_name = "web:*", .instances = 4, .pool_max = 20},
                {.name = "cron", .application_name = "cron", .instances = 1, .pool_max = 20}}));
  int budget = 0;
  for (const auto& client : pool.clients) budget += client.instances * client.pool_max;
  EXPECT_EQ(budget, 100);
  EXPECT_NE(example_text().find("4 x 20 + 1 x 20 = 100"), std::string::npos);
  EXPECT_EQ(r->agent.token_env, "");
}

// The keys of an array-of-tables entry are described in an indented "#   key  type," list.
template <class Target>
void expect_entry_keys_described(const std::string& text, std::span<const KeySpec<Target>> keys) {
  for (const auto& spec : keys) {
    const std::string line =
        "\n#   " + std::string(spec.name) + " +" + std::string(spec.type) + ",";
    EXPECT_TRUE(std::regex_search(text, std::regex(line)))
        << spec.section << " key " << spec.name << " is not described in example.toml";
  }
}

TEST(Example, DocumentsEveryKey) {
  const std::string text = example_text();
  ASSERT_FALSE(text.empty());
  for (const auto& spec : config_keys()) {
    const std::string name(spec.name);
    // Shown as a commented default or set at the start of a line; arrays of tables as blocks,
    // possibly a commented-out example block ("#     [[readiness.http]]").
    const std::string pattern =
        spec.type == "array of tables"
            ? "\n(# *)?\\[\\[" + std::regex_replace(dotted_key(spec), std::regex("\\."), "\\.") +
                  "\\]\\]\n"
            : "(^|\n)(# )?" + name + " = ";
    const bool shown = std::regex_search(text, std::regex(pattern));
    EXPECT_TRUE(shown) << spec.section << "." << name << " is not in example.toml";
  }
  expect_entry_keys_described(text, marker_keys());
  expect_entry_keys_described(text, client_keys());
  expect_entry_keys_described(text, http_keys());
  expect_entry_keys_described(text, alert_receiver_keys());
  expect_entry_keys_described(text, upstream_keys());
  expect_entry_keys_described(text, job_keys());
  expect_entry_keys_described(text, query_keys());
  expect_entry_keys_described(text, query_threshold_keys());
}

// Uncommenting every "# key = value" line must change nothing: the documented defaults are the
// real ones.
TEST(Example, DocumentedDefaultsAreTheDefaults) {
  const std::string uncommented =
      std::regex_replace(example_text(), std::regex("(^|\n)# ([a-z_]+ = )"), "$1$2");
  ASSERT_NE(uncommented, example_text());
  const auto r = load_config_string(uncommented, "uncommented", no_env());
  ASSERT_TRUE(r) << dump(r.error());
  const Config defaults;
  EXPECT_EQ(r->agent, defaults.agent);
  EXPECT_EQ(r->log, defaults.log);
  EXPECT_EQ(r->database, defaults.database);
  EXPECT_EQ(r->pool.warn, defaults.pool.warn);
  EXPECT_EQ(r->pool.critical, defaults.pool.critical);
  EXPECT_EQ(r->supervise, defaults.supervise);
  EXPECT_EQ(r->deploy, defaults.deploy);
  EXPECT_EQ(r->pool.forecast_window, defaults.pool.forecast_window);
  EXPECT_EQ(r->pool.forecast_horizon, defaults.pool.forecast_horizon);
  EXPECT_EQ(r->pgbouncer, defaults.pgbouncer);
  EXPECT_EQ(r->container, defaults.container);
  EXPECT_EQ(r->readiness.on_pressure, defaults.readiness.on_pressure);
  // The state file's default place is chosen at start; the example names the usual one.
  auto alerts = r->alerts;
  EXPECT_EQ(alerts.state_file, "/var/lib/opsagent/alerts.json");
  alerts.state_file = defaults.alerts.state_file;
  EXPECT_EQ(alerts, defaults.alerts);      // the receivers are examples, not defaults
  EXPECT_TRUE(r->readiness.http.empty());  // the HTTP check is an example, not a default
  EXPECT_TRUE(r->upstreams.empty());       // and so is the upstream
  EXPECT_TRUE(r->jobs.empty());            // and the job
  EXPECT_TRUE(r->queries.empty());         // and the queries
}

// The commented-out example blocks ("#     [[readiness.http]]", "#     name = ..."), uncommented
// as a user would: all of them at once, so that no block's keys land in another table.
std::string uncomment_example_blocks(const std::string& text) {
  return std::regex_replace(text,
                            std::regex("\n#     "
                                       "(\\[\\[(readiness\\.http|alerts\\.receivers|upstreams|jobs|"
                                       "queries|queries\\.thresholds)\\]\\]|[a-z_]+ = )"),
                            "\n$1");
}

// The commented-out [[readiness.http]] example must work when a user uncomments it, and must
// still fit the default stale_after (2s + 3s + 5s + 1s = 11s <= 15s; HTTP checks add nothing).
TEST(Example, HttpCheckExampleLoadsWhenUncommented) {
  const std::string text = example_text();
  const std::string uncommented = uncomment_example_blocks(text);
  ASSERT_NE(uncommented, text);
  const auto r = load_config_string(uncommented, "uncommented", no_env());
  ASSERT_TRUE(r) << dump(r.error());
  EXPECT_EQ(r->readiness.http, (std::vector<HttpCheck>{{.name = "app",
                                                        .url = "http://127.0.0.1:8000/healthz",
                                                        .expect_status = 200,
                                                        .timeout = std::chrono::seconds(2)}}));
  EXPECT_EQ(r->readiness.migrations.size(), 3u);  // the block did not swallow other keys
  EXPECT_NE(text.find("opsagent run --config FILE -- gunicorn app:app"), std::string::npos);
}

// The commented-out [[upstreams]] block is the reference app's SODA API, at the issue's
// breaker settings (5 failures, 60s recovery).
TEST(Example, UpstreamExampleLoadsWhenUncommented) {
  const auto r =
      load_config_string(uncomment_example_blocks(example_text()), "uncommented", no_env());
  ASSERT_TRUE(r) << dump(r.error());
  ASSERT_EQ(r->upstreams.size(), 1u);
  EXPECT_EQ(r->upstreams[0],
            (Upstream{.name = "soda",
                      .url = "https://data.cityofchicago.org/resource/ydr8-5enu.json?$limit=1",
                      .interval = std::chrono::seconds(15),
                      .timeout = std::chrono::seconds(5),
                      .expect_status = 200,
                      .failure_threshold = 5,
                      .recovery_timeout = std::chrono::seconds(60),
                      .gates_readiness = false}));
  EXPECT_EQ(r->alerts.receivers.size(), 5u);  // the block did not swallow the receivers
}

// The commented-out [[jobs]] block is the reference app's nightly sync.
TEST(Example, JobExampleLoadsWhenUncommented) {
  const auto r =
      load_config_string(uncomment_example_blocks(example_text()), "uncommented", no_env());
  ASSERT_TRUE(r) << dump(r.error());
  ASSERT_EQ(r->jobs.size(), 1u);
  JobWatch nightly;
  nightly.name = "nightly-sync";
  nightly.job_name = "nightly_sync";
  nightly.max_age = std::chrono::hours(26);
  nightly.max_failures = 1;
  EXPECT_EQ(r->jobs[0], nightly);
  EXPECT_EQ(r->upstreams.size(), 1u);  // neither block swallowed the other
}

// The commented-out [[queries]] blocks are the reference app's page cache and request metrics,
// at the scaling guide's levels (p50 200/500 ms, p95 1/3 s, p99 3/10 s, errors 1%/5%).
TEST(Example, QueryExamplesLoadWhenUncommented) {
  const auto r =
      load_config_string(uncomment_example_blocks(example_text()), "uncommented", no_env());
  ASSERT_TRUE(r) << dump(r.error());
  ASSERT_EQ(r->queries.size(), 2u);
  EXPECT_EQ(r->queries[0].name, "page_cache");
  EXPECT_EQ(
      r->queries[0].thresholds,
      (std::vector<QueryThreshold>{
          {.column = "oldest_age_s", .warn = 86400, .critical = std::nullopt, .below = false}}));
  EXPECT_EQ(r->queries[1].name, "requests");
  EXPECT_EQ(r->queries[1].interval, std::chrono::seconds(30));
  EXPECT_EQ(r->queries[1].thresholds,
            (std::vector<QueryThreshold>{
                {.column = "p50_ms", .warn = 200, .critical = 500, .below = false},
                {.column = "p95_ms", .warn = 1000, .critical = 3000, .below = false},
                {.column = "p99_ms", .warn = 3000, .critical = 10000, .below = false},
                {.column = "error_rate", .warn = 0.01, .critical = 0.05, .below = false}}));
  EXPECT_EQ(r->jobs.size(), 1u);  // no block swallowed another
}

// The key table's `fallback` texts are documentation; they must say what config.hpp does.
TEST(KeyTable, FallbacksAreTheConfigDefaults) {
  std::string toml;
  for (const auto& spec : config_keys()) {
    // "$STATE_DIRECTORY/...": a place chosen at start (alerts.state_file), not a TOML value.
    if (spec.fallback.starts_with('$')) continue;
    toml += dotted_key(spec) + " = " + std::string(spec.fallback) + "\n";
  }
  const auto r = load_config_string(toml, "fallbacks", no_env());
  ASSERT_TRUE(r) << dump(r.error()) << "\n" << toml;
  Config defaults;
  defaults.source = "fallbacks";
  EXPECT_EQ(*r, defaults);
}

TEST(KeyTable, EveryKeyIsDeclaredOnceAndDocumented) {
  std::set<std::string> seen;
  for (const auto& spec : config_keys()) {
    const std::string key = dotted_key(spec);
    EXPECT_TRUE(seen.insert(key).second) << key << " declared twice";
    EXPECT_FALSE(spec.type.empty()) << key;
    EXPECT_FALSE(spec.doc.empty()) << key;
    EXPECT_FALSE(spec.fallback.empty()) << key;
    EXPECT_NE(spec.apply, nullptr) << key;
  }
  EXPECT_EQ(seen.size(), 68u);
  EXPECT_EQ(config_sections(), (std::vector<std::string_view>{
                                   "agent", "log", "database", "readiness", "pool", "pgbouncer",
                                   "supervise", "deploy", "alerts", "container", "locks"}));
  for (const auto& spec : marker_keys()) {
    EXPECT_EQ(spec.section, "readiness.migrations");
    EXPECT_FALSE(spec.doc.empty()) << spec.name;
  }
  std::set<std::string_view> client_names;
  for (const auto& spec : client_keys()) {
    EXPECT_EQ(spec.section, "pool.clients");
    EXPECT_FALSE(spec.doc.empty()) << spec.name;
    EXPECT_TRUE(client_names.insert(spec.name).second) << spec.name << " declared twice";
  }
  EXPECT_EQ(client_names, (std::set<std::string_view>{"name", "application_name", "instances",
                                                      "pool_max", "via_pgbouncer"}));
  std::set<std::string_view> http_names;
  for (const auto& spec : http_keys()) {
    EXPECT_EQ(spec.section, "readiness.http");
    EXPECT_FALSE(spec.doc.empty()) << spec.name;
    EXPECT_TRUE(http_names.insert(spec.name).second) << spec.name << " declared twice";
  }
  EXPECT_EQ(http_names, (std::set<std::string_view>{"name", "url", "expect_status", "timeout"}));
  std::set<std::string_view> receiver_names;
  for (const auto& spec : alert_receiver_keys()) {
    EXPECT_EQ(spec.section, "alerts.receivers");
    EXPECT_FALSE(spec.doc.empty()) << spec.name;
    EXPECT_TRUE(receiver_names.insert(spec.name).second) << spec.name << " declared twice";
  }
  EXPECT_EQ(receiver_names,
            (std::set<std::string_view>{"name", "url", "url_env", "secret_env", "routing_key_env",
                                        "type", "command", "rules", "timeout"}));
}

// The commented-out receivers, one of each type, must load as written when a user uncomments
// them.
TEST(Example, AlertReceiverExamplesLoadWhenUncommented) {
  const std::string text = example_text();
  const std::string uncommented = uncomment_example_blocks(text);
  ASSERT_NE(uncommented, text);
  const auto r = load_config_string(uncommented, "uncommented", no_env());
  ASSERT_TRUE(r) << dump(r.error());
  using Type = AlertReceiver::Type;
  const std::vector<AlertReceiver> want{
      {.name = "hooks",
       .type = Type::webhook,
       .url = "https://hooks.example.com/opsagent",
       .url_env = "",
       .secret_env = "OPSAGENT_WEBHOOK_SECRET",
       .routing_key_env = "",
       .command = {},
       .rules = {},
       .timeout = std::chrono::seconds(10)},
      {.name = "slack",
       .type = Type::slack,
       .url = "",
       .url_env = "SLACK_WEBHOOK_URL",
       .secret_env = "",
       .routing_key_env = "",
       .command = {},
       .rules = {"pool_saturation", "client_pool_at_limit", "readiness"},
       .timeout = std::chrono::seconds(10)},
      {.name = "pager",
       .type = Type::pagerduty,
       .url = "",
       .url_env = "",
       .secret_env = "",
       .routing_key_env = "PAGERDUTY_ROUTING_KEY",
       .command = {},
       .rules = {"pool_saturation", "readiness"},
       .timeout = std::chrono::seconds(10)},
      {.name = "alertmanager",
       .type = Type::alertmanager,
       .url = "http://alertmanager:9093/api/v2/alerts",
       .url_env = "",
       .secret_env = "",
       .routing_key_env = "",
       .command = {},
       .rules = {},
       .timeout = std::chrono::seconds(10)},
      {.name = "script",
       .type = Type::exec,
       .url = "",
       .url_env = "",
       .secret_env = "",
       .routing_key_env = "",
       .command = {"/usr/local/bin/notify-oncall", "--team", "database"},
       .rules = {},
       .timeout = std::chrono::seconds(30)},
  };
  EXPECT_EQ(r->alerts.receivers, want);
  EXPECT_TRUE(r->alerts.enabled());
  EXPECT_EQ(r->readiness.http.size(), 1u);
}

// The optional keys of a receiver document their defaults as TOML; they must be AlertReceiver's.
TEST(KeyTable, ReceiverFallbacksAreTheDefaults) {
  std::string toml =
      "[[alerts.receivers]]\nname = \"a\"\ntype = \"alertmanager\"\nurl = \"http://h/\"\n";
  for (const auto& spec : alert_receiver_keys()) {
    if (!spec.fallback.empty()) {
      toml += std::string(spec.name) + " = " + std::string(spec.fallback) + "\n";
    }
  }
  const auto r = load_config_string(toml, "fallbacks", no_env());
  ASSERT_TRUE(r) << dump(r.error()) << "\n" << toml;
  ASSERT_EQ(r->alerts.receivers.size(), 1u);
  const AlertReceiver defaults;
  EXPECT_EQ(r->alerts.receivers[0].rules, defaults.rules);
  EXPECT_EQ(r->alerts.receivers[0].timeout, defaults.timeout);
}

// The optional keys of an HTTP check document their defaults as TOML; they must be HttpCheck's.
TEST(KeyTable, HttpCheckFallbacksAreTheDefaults) {
  std::string toml = "[[readiness.http]]\nname = \"a\"\nurl = \"http://localhost/\"\n";
  for (const auto& spec : http_keys()) {
    if (!spec.fallback.empty()) {
      toml += std::string(spec.name) + " = " + std::string(spec.fallback) + "\n";
    }
  }
  const auto r = load_config_string(toml, "fallbacks", no_env());
  ASSERT_TRUE(r) << dump(r.error()) << "\n" << toml;
  ASSERT_EQ(r->readiness.http.size(), 1u);
  const HttpCheck defaults;
  EXPECT_EQ(r->readiness.http[0].expect_status, defaults.expect_status);
  EXPECT_EQ(r->readiness.http[0].timeout, defaults.timeout);
}

}  // namespace
}  // namespace opsagent::config
