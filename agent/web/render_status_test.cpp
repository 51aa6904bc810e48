#include "agent/web/render_status.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <sstream>

#include "agent/web/text_layout.hpp"
#include "common/text/utf8.hpp"
#include "common/version.hpp"
#include "probes/model/test_job_reports.hpp"
#include "probes/model/test_snapshots.hpp"

namespace opsagent::web {
namespace {

using namespace std::chrono_literals;
using probes::CheckResult;
using probes::CheckStatus;
using probes::ErrorClass;

constexpr const char* kHostile = "<script>alert(1)</script>";
constexpr std::size_t kChartSamples = 30;

using probes::testing::session_counts;

// The reference deployment of the design notes: 4 web workers and 1 cron worker, pools of 20,
// against max_connections = 100 with 3 reserved: 84 of 97 usable slots in use.
probes::ActivitySnapshot busy_activity() {
  probes::ActivitySnapshot a;
  a.max_connections = 100;
  a.superuser_reserved_connections = 3;
  a.usable_slots = 97;
  a.by_application = {
      {"web:1", session_counts(5, 13, 1, 0, 1)}, {"web:2", session_counts(8, 12, 0)},
      {"web:3", session_counts(2, 15, 1, 1)},    {"web:4", session_counts(1, 18, 0)},
      {"cron", session_counts(1, 2, 0)},         {kHostile, session_counts(0, 4, 0)},
  };
  for (const auto& g : a.by_application) a.sessions.add(g.counts);
  a.sessions.oldest_xact_s = 754.2;
  a.sessions.oldest_idle_in_xact_s = 61.0;
  a.sessions.longest_query_s = 0.35;
  a.by_user = {{"app", a.sessions}};
  a.by_database = {{"app", a.sessions}};
  a.by_client_addr = {{"10.0.0.7", a.sessions}};
  a.all_applications = a.by_application;
  return a;
}

probes::PoolReport busy_pool() {
  probes::PoolReport p;
  p.level = probes::PoolLevel::warn;
  p.summary = "84/97 usable slots in use (86.6%); warn at 80%, critical at 95%";
  probes::ClientPoolUse web{.name = "web",
                            .pattern = "web:*",
                            .instances = 4,
                            .pool_max = 20,
                            .budget = 80,
                            .connections = 77,
                            .counts = {},
                            .per_instance = {},
                            .instances_at_limit = 1};
  web.per_instance = {
      {"web:2", 20, true}, {"web:1", 19, false}, {"web:3", 19, false}, {"web:4", 19, false}};
  probes::ClientPoolUse cron{.name = "cron",
                             .pattern = "cron",
                             .instances = 1,
                             .pool_max = 20,
                             .budget = 20,
                             .connections = 3,
                             .counts = {},
                             .per_instance = {{"cron", 3, false}},
                             .instances_at_limit = 0};
  p.clients = {web, cron};
  p.unattributed = 4;
  p.budget.declared = 100;
  p.budget.usable_slots = 97;
  p.budget.fits = false;
  p.budget.arithmetic =
      "4×20 (web) + 1×20 (cron) = 100 > 97 usable slots (100 max_connections − 3 "
      "superuser_reserved_connections)";
  return p;
}

// Every check took 1.2ms: the views print durations.
CheckResult check(std::string name, CheckStatus status, std::string message,
                  ErrorClass error = ErrorClass::none, bool gates = true) {
  CheckResult c =
      probes::testing::make_check(std::move(name), status, std::move(message), error, gates);
  c.duration = 1200us;
  return c;
}

struct Fixture {
  config::Config config;
  probes::Snapshot snapshot;
  RenderContext ctx;

  explicit Fixture(bool with_activity = true) {
    ctx.now = SteadyClock::now();
    snapshot.sequence = 42;
    snapshot.completed = ctx.now - 300ms;
    snapshot.taken_at = std::chrono::system_clock::time_point(1'700'000'000'000ms);
    snapshot.duration = 4200us;
    snapshot.server_version = "15.18";
    snapshot.checks = {check("postgres:connection", CheckStatus::pass, "connected"),
                       check("schema:tables", CheckStatus::pass, "all 3 tables present"),
                       check("postgres:connections", CheckStatus::warn,
                             "warn: 84/97 usable slots in use (86.6%)", ErrorClass::none, false)};
    if (with_activity) {
      snapshot.activity = busy_activity();
      snapshot.pool = busy_pool();
    }
    // One sample every 2 minutes, the newest at taken_at, rising from 70% to 84.5%.
    for (int i = 0; i < static_cast<int>(kChartSamples); ++i) {
      const int back = static_cast<int>(kChartSamples) - 1 - i;
      snapshot.utilization.chart.push_back(
          {snapshot.taken_at - back * 2min, 80, 97, 0.70 + 0.005 * i});
    }
    snapshot.utilization.windows = {{{60s, 30, 0.866, 0.87, 0.87},
                                     {900s, 450, 0.866, 0.9, 0.88},
                                     {3600s, 1800, 0.866, 0.93, 0.9}}};
    snapshot.recent_errors = {{snapshot.taken_at - 90s, "postgres:connection", ErrorClass::refused,
                               "could not connect: connection refused"}};
    ctx.snapshot = &snapshot;
    ctx.config = &config;
    ctx.readiness = evaluate_readiness(&snapshot, ctx.now, 15s, false);
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The text view with its wrapped lines joined again (continuations are indented 12 columns).
std::string unwrapped(const std::string& text) {
  return std::regex_replace(text, std::regex("\n {12}"), " ");
}

TEST(StatusText, StartingBeforeFirstCycle) {
  RenderContext ctx;
  ctx.now = SteadyClock::now();
  ctx.readiness = evaluate_readiness(nullptr, ctx.now, 15s, false);
  const auto text = render_status_text(ctx);
  EXPECT_TRUE(text.starts_with("NOT READY  |  opsagent ")) << text;
  EXPECT_TRUE(contains(text, "starting: no probe cycle has completed yet")) << text;
  EXPECT_LE(lines_of(text).size(), 3u) << text;
}

TEST(StatusText, HeaderSaysReadyVersionAgeAndPostgres) {
  Fixture f;
  const auto header = lines_of(render_status_text(f.ctx)).at(0);
  EXPECT_TRUE(header.starts_with("READY, with warnings  |  opsagent ")) << header;
  EXPECT_TRUE(contains(header, kVersion)) << header;
  EXPECT_TRUE(contains(header, "snapshot #42, 300ms old")) << header;
  EXPECT_TRUE(contains(header, "PostgreSQL 15.18")) << header;
}

TEST(StatusText, HeaderWhenNotReadyAndDraining) {
  Fixture f;
  f.ctx.draining = true;
  f.ctx.readiness = evaluate_readiness(&f.snapshot, f.ctx.now, 15s, true);
  const auto header = lines_of(render_status_text(f.ctx)).at(0);
  EXPECT_TRUE(header.starts_with("NOT READY (DRAINING): draining: the agent is shutting down  |  "))
      << header;
}

TEST(StatusText, UtilizationBarCountsAndThresholds) {
  Fixture f;
  const auto text = render_status_text(f.ctx);
  // 84/97 = 86.6% of a 32-column bar: 28 filled.
  EXPECT_TRUE(contains(text, "connections [" + std::string(28, '#') + std::string(4, '.') +
                                 "] 84/97 usable (86.6%)  warn 80%  critical 95%\n"))
      << text;
  EXPECT_TRUE(contains(text, "100 max_connections - 3 superuser_reserved = 97 usable; 12 free"))
      << text;
  EXPECT_TRUE(contains(text, "97 usable; 12 free  !! WARN\n")) << text;
}

TEST(StatusText, FullBarWhenSuperusersGoPastUsable) {
  Fixture f;
  f.snapshot.activity->sessions.total = 99;
  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(contains(text, "[" + std::string(32, '#') + "] 99/97 usable (102.1%)")) << text;
}

TEST(StatusText, PartialViewIsLoudWithTheFix) {
  Fixture f;
  f.snapshot.activity->partial_view = true;
  f.snapshot.activity->hidden_sessions = 12;
  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(contains(text, "!! PARTIAL VIEW")) << text;
  EXPECT_TRUE(contains(text, "(12 hidden)")) << text;
  EXPECT_TRUE(contains(text, "GRANT pg_monitor TO <agent role>;")) << text;
}

TEST(StatusText, NoPartialViewWarningWithFullView) {
  Fixture f;
  EXPECT_FALSE(contains(render_status_text(f.ctx), "PARTIAL VIEW"));
}

TEST(StatusText, SessionsByStateAndAges) {
  Fixture f;
  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(contains(text,
                       "sessions    84 total: 17 active, 64 idle, 2 idle in transaction, "
                       "1 idle in transaction (aborted)\n            1 waiting on locks\n"))
      << text;
  EXPECT_TRUE(contains(
      text, "oldest      transaction 12m34s  |  idle in transaction 1m01s  |  running query 350ms"))
      << text;
}

TEST(StatusText, ApplicationsTable) {
  Fixture f;
  const auto lines = lines_of(render_status_text(f.ctx));
  auto row = std::ranges::find_if(lines, [](const auto& l) { return l.starts_with("web:1 "); });
  ASSERT_NE(row, lines.end());
  // application, total, active, idle, idle in tx, aborted, waiting, oldest tx
  EXPECT_TRUE(std::regex_search(*row, std::regex(R"(^web:1 +19 +5 +13 +1 +0 +1 +- *$)"))) << *row;
  EXPECT_TRUE(std::ranges::any_of(lines, [](const auto& l) {
    return l.starts_with("application") && contains(l, "idle in tx") && contains(l, "waiting");
  }));
}

TEST(StatusText, PoolClientsWithInstancesAtLimit) {
  Fixture f;
  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(\nweb +web:\* +77 / 80 +4 of 4 +1\n)")))
      << text;
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(\ncron +cron +3 / 20 +1 of 1 +0\n)"))) << text;
  EXPECT_TRUE(contains(text, "  !! AT POOL_MAX: web:2 (20/20)\n")) << text;
  EXPECT_FALSE(contains(text, "web:1 (19/20)")) << "only instances at the limit are listed";
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(\n\(unattributed\) +4\n)"))) << text;
}

TEST(StatusText, BudgetThatCannotFitIsFlaggedWithItsArithmetic) {
  Fixture f;
  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(contains(text,
                       "budget      !! CANNOT FIT: 4×20 (web) + 1×20 (cron) = 100 > 97 "
                       "usable slots"))
      << text;
  f.snapshot.pool->budget.fits = true;
  f.snapshot.pool->budget.arithmetic = "1×20 (cron) = 20 ≤ 97 usable slots";
  const auto fits = render_status_text(f.ctx);
  EXPECT_FALSE(contains(fits, "CANNOT FIT"));
  EXPECT_TRUE(contains(fits, "budget      fits: 1×20 (cron) = 20 ≤ 97 usable slots")) << fits;
}

// [deploy] overlap: the during-deploy line under the budget, and the deploy-time comparison.
void with_deploy_overlap(Fixture& f) {
  auto& b = f.snapshot.pool->budget;
  b.overlap = 2;
  b.during_deploy = 200;
  b.deploy_fits = false;
  b.deploy_arithmetic =
      "during a deploy (2 deployments side by side): 2 × (4×20 (web) + 1×20 (cron)) = 200 > 97 "
      "usable slots";
  auto deploy = check("pool:deploy", CheckStatus::warn,
                      "this deploy can exhaust Postgres while the old deployment still runs: 84 "
                      "sessions in use now + 100 for this deployment's pools (4×20 (web) + 1×20 "
                      "(cron)) = 184 > 97 usable slots",
                      ErrorClass::deploy_overlap, false);
  f.snapshot.checks.push_back(deploy);
}

TEST(StatusText, DuringADeployLineAndTheDeployTimeComparison) {
  Fixture f;
  EXPECT_FALSE(contains(render_status_text(f.ctx), "deploy "));
  with_deploy_overlap(f);
  const auto wrapped = render_status_text(f.ctx);
  const auto text = unwrapped(wrapped);
  EXPECT_TRUE(contains(text,
                       "deploy      !! CANNOT FIT: during a deploy (2 deployments side by side): "
                       "2 × (4×20 (web) + 1×20 (cron)) = 200 > 97 usable slots"))
      << text;
  EXPECT_TRUE(contains(text,
                       "this deploy !! this deploy can exhaust Postgres while the old deployment "
                       "still runs: 84 sessions in use now"))
      << text;
  for (const auto& line : lines_of(wrapped)) {
    EXPECT_LE(common::count_chars(line), 100u) << line;
  }
  const auto html = render_status_html(f.ctx);
  EXPECT_TRUE(contains(html, "During a deploy the pools CANNOT FIT")) << html;
  EXPECT_TRUE(contains(html, R"(<div class="budget nofit">&#9888; This deploy<code>)")) << html;
}

TEST(StatusText, UtilizationWindowsProbeLatencyAndChecks) {
  Fixture f;
  auto rt = check("postgres:responseTime", CheckStatus::pass, "1.1ms round trip");
  rt.observed_value = 1.1;
  rt.observed_unit = "ms";
  f.snapshot.checks.push_back(rt);
  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(contains(text, "utilization 1m  now  86.6%  max  87.0%  p95  87.0%  (30 samples)\n"))
      << text;
  EXPECT_TRUE(contains(text, "            1h  now  86.6%  max  93.0%  p95  90.0%")) << text;
  EXPECT_TRUE(contains(text, "probe       cycle 4.2ms  |  postgres:responseTime 1.1ms")) << text;
  EXPECT_TRUE(
      std::regex_search(text, std::regex(R"(\n  ok +postgres:connection +1\.2ms  connected\n)")))
      << text;
  EXPECT_TRUE(contains(text, "  WARN  postgres:connections (info)")) << text;
}

probes::ExhaustionForecast rising_forecast() {
  probes::ExhaustionForecast forecast;
  forecast.trend = probes::Trend::rising;
  forecast.window = 900s;
  forecast.samples = 450;
  forecast.covered = 900s;
  forecast.per_minute = 2.5;
  forecast.level = 84;
  forecast.used = 84;
  forecast.usable = 97;
  forecast.exhausted_in = 312s;
  return forecast;
}

TEST(StatusText, ExhaustionForecastSaysWhenTheSlotsRunOut) {
  Fixture f;
  f.snapshot.exhaustion = rising_forecast();
  auto text = unwrapped(render_status_text(f.ctx));
  EXPECT_TRUE(contains(text,
                       "forecast    !! rising +2.5 connections/min over the last 15m (84/97 usable "
                       "slots in use): at this rate the usable slots run out in 5m12s, within "
                       "pool.forecast_horizon 30m\n"))
      << text;
  f.config.pool.forecast_horizon = 5min;  // beyond the horizon: said, not flagged
  text = unwrapped(render_status_text(f.ctx));
  EXPECT_TRUE(contains(text, "forecast    rising +2.5")) << text;
  EXPECT_FALSE(contains(text, "within pool.forecast_horizon")) << text;
  f.snapshot.exhaustion->trend = probes::Trend::flat;
  f.snapshot.exhaustion->exhausted_in.reset();
  text = unwrapped(render_status_text(f.ctx));
  EXPECT_TRUE(contains(
      text,
      "forecast    flat over the last 15m (84/97 usable slots in use): no exhaustion in sight"))
      << text;
  f.snapshot.exhaustion.reset();
  EXPECT_FALSE(contains(unwrapped(render_status_text(f.ctx)), "forecast"));
}

TEST(StatusHtml, ExhaustionForecastSaysWhenTheSlotsRunOut) {
  Fixture f;
  f.snapshot.exhaustion = rising_forecast();
  const auto html = render_status_html(f.ctx);
  EXPECT_TRUE(contains(html, R"(<div class="budget nofit">&#9888; Exhaustion forecast<code>)"))
      << html;
  EXPECT_TRUE(contains(html, "at this rate the usable slots run out in 5m12s")) << html;
}

TEST(StatusText, LastErrorsWithTimeCheckClassAndMessage) {
  Fixture f;
  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(contains(text, "last errors (newest first)\n")) << text;
  EXPECT_TRUE(
      contains(text,
               "  2023-11-14T22:11:50.000Z (1m30s ago)  |  postgres:connection  |  refused\n"
               "      could not connect: connection refused\n"))
      << text;
}

TEST(StatusText, DatabaseDownStillShowsChecksAndErrors) {
  Fixture f(false);
  f.snapshot.checks[0] =
      check("postgres:connection", CheckStatus::fail, "connection refused", ErrorClass::refused);
  f.ctx.readiness = evaluate_readiness(&f.snapshot, f.ctx.now, 15s, false);
  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(text.starts_with("NOT READY: postgres:connection: connection refused")) << text;
  EXPECT_TRUE(contains(text,
                       "connections unknown: the last probe cycle could not read "
                       "pg_stat_activity"))
      << text;
  EXPECT_TRUE(contains(text, "FAIL  postgres:connection")) << text;
  EXPECT_TRUE(contains(text, "[refused] connection refused")) << text;
  EXPECT_TRUE(contains(text, "last errors (newest first)")) << text;
}

TEST(StatusText, NoStaleNowWhenTheLastCycleCouldNotReadActivity) {
  Fixture f(false);
  for (auto& w : f.snapshot.utilization.windows) w.current.reset();  // as the loop summarizes
  f.snapshot.recent_errors[0].cleared_at = f.snapshot.taken_at - 30s;
  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(contains(text, "connections unknown")) << text;
  EXPECT_TRUE(contains(text, "utilization 1m  now      -  max  87.0%")) << text;
  EXPECT_TRUE(contains(text, "            1h  now      -")) << text;
  EXPECT_FALSE(contains(text, "now  86.6%")) << text;
  // An error whose check has passed since reads as past.
  EXPECT_TRUE(contains(text, "|  refused\n    past: cleared 30.3s ago\n")) << text;
}

TEST(StatusText, AClientWithNothingConnectedSaysSo) {
  Fixture f;
  auto& web = f.snapshot.pool->clients[0];
  web.per_instance.clear();
  web.connections = 0;
  web.instances_at_limit = 0;
  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(contains(text, "  !! NONE CONNECTED: none of its 4 instances holds a connection\n"))
      << text;
  EXPECT_TRUE(contains(render_status_html(f.ctx), "none connected"));
}

TEST(StatusText, EveryLineFitsIn100Columns) {
  Fixture f;
  f.snapshot.activity->partial_view = true;
  f.snapshot.activity->by_application.push_back(
      {"a-very-long-application-name-that-goes-on-and-on-for-sixty-three-bytes",
       session_counts(1, 0, 0)});
  std::string long_message = "missing markers:";
  for (int i = 0; i < 20; ++i) long_message += " migration_" + std::to_string(i) + "_adds_a_column";
  f.snapshot.checks.push_back(
      check("schema:migrations", CheckStatus::fail, long_message, ErrorClass::missing_markers));
  f.snapshot.recent_errors.push_back(f.snapshot.recent_errors[0]);
  f.snapshot.recent_errors.back().message = long_message;
  for (const auto& line : lines_of(render_status_text(f.ctx))) {
    EXPECT_LE(common::count_chars(line), 100u) << line;
  }
}

TEST(StatusText, TerminalEscapesInNamesAreNeutralized) {
  Fixture f;
  f.snapshot.activity->by_application[0].key =
      "evil\x1b[2J\x1b]0;pwned\x07\xc2\x9b"
      "31m";
  const auto text = render_status_text(f.ctx);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos);
  EXPECT_TRUE(contains(text, "evil?[2J?]0;pwned??31m")) << text;
}

// The stuck migration with 17 queued readers, the tree cut at 10 sessions.
probes::LockTree stuck_migration() {
  return probes::testing::stuck_migration_tree(42, 17, 10);
}

TEST(StatusText, LockQueueInOneLineThenItsTreeAndWaitEvents) {
  Fixture f;
  f.snapshot.locks = stuck_migration();
  f.snapshot.activity->wait_events = {{"Lock", "relation", 18}, {"", "", 3}};
  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(contains(text, "waits       active by wait event: Lock/relation 18, (running) 3"))
      << text;
  EXPECT_TRUE(contains(text, "locks       !! 18 sessions waiting on locks in 1 queue")) << text;
  EXPECT_TRUE(
      contains(text, "  !! ALTER TABLE permits ADD COLUMN x int (pid 456, migrate) waiting"))
      << text;
  EXPECT_TRUE(contains(text, "    pid 123 web:4567 idle in transaction 5m00s\n")) << text;
  EXPECT_TRUE(contains(text,
                       "      pid 456 migrate waits 42.0s for AccessExclusiveLock on permits: "
                       "ALTER TABLE"))
      << text;
  EXPECT_TRUE(contains(text, "     9 more waiting sessions not shown (locks.max_sessions)"))
      << text;
  for (const auto& line : lines_of(text)) EXPECT_LE(common::count_chars(line), kTextWidth) << line;
}

TEST(StatusHtml, LockQueuesCardEscaped) {
  Fixture f;
  f.snapshot.locks = stuck_migration();
  f.snapshot.locks->queues[0].nodes[2].session.query = kHostile;
  const auto html = render_status_html(f.ctx);
  EXPECT_TRUE(contains(html, "<h2>Lock queues</h2>")) << html;
  EXPECT_TRUE(contains(html, "ALTER TABLE permits ADD COLUMN x int (pid 456, migrate) waiting"));
  EXPECT_TRUE(contains(html, "&lt;script&gt;"));
  EXPECT_FALSE(contains(html, kHostile));
}

TEST(StatusHtml, EscapesHostileApplicationName) {
  Fixture f;
  f.snapshot.pool->clients[0].name = kHostile;
  f.snapshot.pool->clients[0].per_instance[0].application_name = kHostile;
  f.snapshot.recent_errors[0].message = kHostile;
  f.snapshot.checks[0].message = "a \"quoted\" & 'single' <b>bold</b>";
  const auto html = render_status_html(f.ctx);
  EXPECT_FALSE(contains(html, "<script")) << "raw markup from the database reached the page";
  EXPECT_FALSE(contains(html, "<b>bold"));
  EXPECT_TRUE(contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_TRUE(
      contains(html, "a &quot;quoted&quot; &amp; &#39;single&#39; &lt;b&gt;bold&lt;/b&gt;"));
}

TEST(StatusHtml, SelfContainedPageThatRefreshes) {
  Fixture f;
  const auto html = render_status_html(f.ctx);
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_TRUE(contains(html, R"(<meta http-equiv="refresh" content="5">)"));
  EXPECT_TRUE(contains(html, "<style>"));
  for (const char* external :
       {"<script", "<link", "src=", "url(", "@import", "http://", "https://"}) {
    EXPECT_FALSE(contains(html, external)) << external;
  }
  EXPECT_TRUE(html.ends_with("</html>\n"));
}

TEST(StatusHtml, SameInformationAsText) {
  Fixture f;
  f.snapshot.activity->partial_view = true;
  const auto html = render_status_html(f.ctx);
  EXPECT_TRUE(contains(html, R"(<header class="banner warn">)"));
  EXPECT_TRUE(contains(html, "84 / 97 <small>usable slots in use (86.6%)"));
  EXPECT_TRUE(contains(html, "PARTIAL VIEW"));
  EXPECT_TRUE(contains(html, "GRANT pg_monitor TO &lt;agent role&gt;;"));
  EXPECT_TRUE(contains(html, R"(<td class="name">web:1</td><td class="n"><b>19</b></td>)"));
  EXPECT_TRUE(contains(html, R"(<span class="limit">web:2&nbsp;20/20</span>)"));
  EXPECT_TRUE(contains(html, "CANNOT FIT"));
  EXPECT_TRUE(contains(html, "4×20 (web) + 1×20 (cron) = 100 &gt; 97 usable slots"));
  EXPECT_TRUE(contains(html, "could not connect: connection refused"));
  EXPECT_TRUE(contains(html, "PostgreSQL 15.18"));
}

TEST(StatusHtml, BannerColourFollowsState) {
  Fixture f;
  f.snapshot.checks.pop_back();
  EXPECT_TRUE(contains(render_status_html(f.ctx), R"(<header class="banner pass">)"));
  f.snapshot.checks[1] = check("schema:tables", CheckStatus::fail, "missing tables: permits",
                               ErrorClass::missing_tables);
  f.ctx.readiness = evaluate_readiness(&f.snapshot, f.ctx.now, 15s, false);
  const auto html = render_status_html(f.ctx);
  EXPECT_TRUE(contains(html, R"(<header class="banner fail"><h1>NOT READY</h1>)"));
  EXPECT_TRUE(contains(html, "schema:tables: missing tables: permits"));
}

TEST(StatusHtml, ChartHasOnePointPerSampleAndThresholdLines) {
  Fixture f;
  const auto html = render_status_html(f.ctx);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      html, m, std::regex(R"re(<polyline class="utilization" points="([^"]*)")re")));
  const std::string points = m[1];
  EXPECT_EQ(std::ranges::count(points, ','), static_cast<long>(kChartSamples)) << points;
  EXPECT_EQ(std::ranges::count(points, ' ') + 1, static_cast<long>(kChartSamples)) << points;
  // x: the last hour over 396 units from x = 40, so the newest sample sits at the right edge
  // and the oldest (58 minutes back) 13.2 units in. y: 0..100% over 204 units from y = 10.
  EXPECT_TRUE(points.ends_with(" 436.0,41.6")) << points;   // 84.5%
  EXPECT_TRUE(points.starts_with("53.2,71.2 ")) << points;  // 70%
  EXPECT_EQ(std::ranges::count(points, '-'), 0) << "no point outside the plot";
  // Dashed warn and critical lines, and axis labels.
  std::ptrdiff_t dashed = 0;
  for (auto i = html.find("class=\"threshold\""); i != std::string::npos;
       i = html.find("class=\"threshold\"", i + 1)) {
    ++dashed;
  }
  EXPECT_EQ(dashed, 2);
  EXPECT_TRUE(contains(html, ">warn 80%</text>"));
  EXPECT_TRUE(contains(html, ">critical 95%</text>"));
  for (const char* label : {">0%<", ">50%<", ">100%<", ">-60m<", ">-30m<", ">now<"}) {
    EXPECT_TRUE(contains(html, label)) << label;
  }
}

TEST(StatusHtml, NoThresholdLineForACountThreshold) {
  Fixture f;
  f.config.pool.warn = {config::Threshold::Kind::count, 85};
  const auto html = render_status_html(f.ctx);
  EXPECT_TRUE(contains(html, ">critical 95%</text>"));
  EXPECT_FALSE(contains(html, ">warn 85</text>"));
}

TEST(StatusHtml, StartingAndDatabaseDown) {
  RenderContext starting;
  starting.now = SteadyClock::now();
  starting.readiness = evaluate_readiness(nullptr, starting.now, 15s, false);
  const auto html = render_status_html(starting);
  EXPECT_TRUE(contains(html, R"(<header class="banner starting">)"));
  EXPECT_TRUE(contains(html, "Starting: no probe cycle has completed yet"));
  EXPECT_FALSE(contains(html, "<svg"));

  Fixture down(false);
  const auto page = render_status_html(down.ctx);
  EXPECT_TRUE(contains(page, "Connection counts unknown"));
  EXPECT_TRUE(contains(page, "postgres:connection"));
  EXPECT_TRUE(contains(page, "could not connect: connection refused"));
}

probes::UpstreamStatus open_upstream(const Fixture& f) {
  probes::UpstreamStatus u;
  u.name = "soda";
  u.target = "https://data.cityofchicago.org/resource/ydr8-5enu.json";
  u.state = probes::BreakerState::open;
  u.state_since = f.snapshot.taken_at - 180s;
  u.half_open_at = f.ctx.now + 42s;
  u.transition_reason = "5 consecutive failures (last: GET ... answered 500, expected 200)";
  u.consecutive_failures = 5;
  u.probes = 40;
  u.failures = 7;
  u.opened = 1;
  u.latency[probes::kSummaryWindow].latency = {
      .samples = 33, .p50_ms = 12.0, .p95_ms = 80.0, .p99_ms = 250.0};
  u.last = probes::UpstreamProbe{.at = f.snapshot.taken_at,
                                 .ok = false,
                                 .status = 500,
                                 .error = ErrorClass::http_status,
                                 .message = "GET <b>x</b> answered 500, expected 200",
                                 .duration = 20ms};
  return u;
}

TEST(StatusText, LatencyOfTheAppAndTheUpstreamsPerWindow) {
  Fixture f;
  EXPECT_FALSE(contains(render_status_text(f.ctx), "latency of the answers")) << "no source";
  probes::LatencyTrack app{.check = "http:app"};
  app.windows[0].latency = {.samples = 1, .p50_ms = 3.5, .p95_ms = 3.5, .p99_ms = 3.5};
  app.windows[2].latency = {.samples = 1200, .p50_ms = 4.0, .p95_ms = 95.0, .p99_ms = 1500.0};
  f.snapshot.http_latency.push_back(app);
  f.snapshot.upstreams.push_back(open_upstream(f));
  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(contains(text, "\nlatency of the answers (p50 / p95 / p99 per window)\n")) << text;
  EXPECT_TRUE(contains(text,
                       "  http:app                       1m       3.5ms      3.5ms      3.5ms"
                       "  (1 answer)\n"))
      << text;
  EXPECT_TRUE(contains(text, "   15m  no answer yet\n")) << text;
  EXPECT_TRUE(contains(text, "   1h       4.0ms     95.0ms      1.50s  (1200 answers)\n")) << text;
  EXPECT_TRUE(contains(text, "  upstream:soda                  1m   no answer yet\n")) << text;
  EXPECT_TRUE(contains(text, "   15m     12.0ms     80.0ms    250.0ms  (33 answers)\n")) << text;
  for (const auto& line : lines_of(text)) {
    if (contains(line, "budget")) continue;  // that line has its own test
    EXPECT_LE(common::count_chars(line), 100u) << line;
  }
  const auto html = render_status_html(f.ctx);
  EXPECT_TRUE(contains(html, "<h2>Latency of the answers</h2>")) << html;
  EXPECT_TRUE(contains(html, R"(<td class="name" rowspan="3">http:app</td><td>1m</td>)")) << html;
  EXPECT_TRUE(contains(html, R"(<td class="n">1.50s</td><td class="n">1200</td>)")) << html;
  EXPECT_TRUE(contains(html, R"(<td>15m</td><td class="muted" colspan="4">no answer yet</td>)"));
}

TEST(StatusText, UpstreamsShowTheirBreakers) {
  Fixture f;
  EXPECT_FALSE(contains(render_status_text(f.ctx), "upstreams")) << "none configured";
  f.snapshot.upstreams.push_back(open_upstream(f));
  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(contains(
      text,
      "  OPEN      soda                 https://data.cityofchicago.org/resource/ydr8-5enu.json"))
      << text;
  EXPECT_TRUE(contains(text, "(3m00s ago): 5 consecutive failures")) << text;
  EXPECT_TRUE(contains(text, "; half-open in 42s")) << text;
  EXPECT_TRUE(contains(text, "5/5 consecutive failures; 40 probes, 7 failed; opened 1 time"))
      << text;
  EXPECT_TRUE(contains(text, "15m: p50 12.0ms  p95")) << text;
  EXPECT_TRUE(contains(text, "p99 250.0ms (33 answers)")) << text;
  f.snapshot.upstreams[0].target += "/" + std::string(150, 'x');
  for (const auto& line : lines_of(render_status_text(f.ctx))) {
    if (contains(line, "budget")) continue;  // that line has its own test
    EXPECT_LE(common::count_chars(line), 100u) << line;
  }
}

TEST(StatusHtml, UpstreamsShowTheirBreakersEscaped) {
  Fixture f;
  f.snapshot.upstreams.push_back(open_upstream(f));
  const auto html = render_status_html(f.ctx);
  EXPECT_TRUE(contains(html, "<h2>Upstream APIs</h2>")) << html;
  EXPECT_TRUE(contains(html, R"(<span class="pill fail">OPEN</span>)")) << html;
  EXPECT_TRUE(contains(html, "GET &lt;b&gt;x&lt;/b&gt; answered 500")) << html;
  EXPECT_FALSE(contains(html, "<b>x</b>"));
  EXPECT_TRUE(contains(html, "p50 12.0ms")) << html;
}

// The container section: "not limited" as such (no thresholds), a limited one with its numbers
// and thresholds, in both views.
TEST(StatusText, ContainerLimitedAndNotLimited) {
  Fixture f;
  probes::ContainerStatus c;
  c.source = probes::ContainerStatus::Source::v1;
  c.path = "/sys/fs/cgroup/memory/app";
  c.memory_limit_bytes = 1000;
  c.memory_ratio = 0.9;
  c.checks = {check("container:cpu", CheckStatus::pass, "not limited (0.50 cores used)"),
              check("container:memory", CheckStatus::warn,
                    "memory high (OOM risk): 900 B of 1000 B (90.0%)")};
  f.snapshot.container = c;
  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(contains(text, "container (cgroup v1 at /sys/fs/cgroup/memory/app)")) << text;
  EXPECT_TRUE(contains(text, "  cpu     not limited  0.50 cores used\n")) << text;
  EXPECT_TRUE(contains(text, "  memory  HIGH         memory high (OOM risk)")) << text;
  EXPECT_TRUE(contains(text, "(warn 85% and critical 95% of")) << text;
  const auto html = render_status_html(f.ctx);
  EXPECT_TRUE(contains(html, "<h2>Container</h2>")) << html;
  EXPECT_TRUE(contains(html, R"(<span class="pill warn">HIGH</span>)")) << html;
}

// [[jobs]] and [[queries]] in both views: each job's state word, its runs as of the read plus the
// time since, its recent durations; a job never read says why; a query's columns with their
// thresholds' verdicts. Nothing of either without entries; the user's text is escaped.
TEST(StatusText, JobsAndQueriesWithTheirVerdicts) {
  Fixture f;
  const auto none = render_status_text(f.ctx);
  EXPECT_FALSE(contains(none, "\njobs\n"));
  EXPECT_FALSE(contains(none, "\nqueries\n"));
  f.config.queries = {{.name = "cache",
                       .sql = "SELECT 1",
                       .thresholds = {{.column = "size_mb", .warn = 100, .critical = 500}}}};
  auto nightly = probes::testing::read_job(f.ctx.now);
  nightly.last_status = "failed";
  nightly.last_error = "<b>boom</b>";
  f.snapshot.jobs = {nightly, probes::testing::unread_job()};
  probes::QueryReport cache;
  cache.name = "cache";
  cache.columns = {{"size_mb", 600}, {"hits", std::nullopt}};
  f.snapshot.queries = {cache};
  f.snapshot.checks.push_back(
      check("job:nightly", CheckStatus::fail, "3 failed runs", ErrorClass::job_failing, false));
  f.snapshot.checks.push_back(
      check("job:fresh", CheckStatus::warn, "table not read", ErrorClass::missing_tables, false));
  f.snapshot.checks.push_back(
      check("query:cache", CheckStatus::fail, "size_mb 600 >= critical 500", {}, false));

  const auto text = render_status_text(f.ctx);
  EXPECT_TRUE(contains(text,
                       "\njobs\n  FAILING   nightly (sync_permits)\n"
                       "            last success 10m30s ago; last finished run failed; last "
                       "failure: <b>boom</b>; running\n"
                       "            for 50.0s\n"
                       "            last 2 successful runs 2.5s 1.5s (avg 2.0s); 2 failed in "
                       "the window\n"))
      << text;
  EXPECT_TRUE(contains(text,
                       "  UNREAD    fresh (fresh_job)\n"
                       "            table not read yet: relation \"cron_log\" does not exist\n"
                       "\nqueries\n"))
      << "a job never read has no history to show\n"
      << text;
  EXPECT_TRUE(contains(text,
                       "\nqueries\n  FAIL      cache\n"
                       "            size_mb 600 >= critical 500, hits NULL\n"))
      << text;

  const auto html = render_status_html(f.ctx);
  EXPECT_TRUE(contains(html, "<h2>Jobs</h2>")) << html;
  EXPECT_TRUE(contains(html, R"(<span class="pill warn">FAILING</span>)")) << html;
  EXPECT_TRUE(contains(html, "last failure: &lt;b&gt;boom&lt;/b&gt;")) << html;
  EXPECT_FALSE(contains(html, "<b>boom</b>"));
  EXPECT_TRUE(contains(html, "<h2>Queries</h2>")) << html;
  EXPECT_TRUE(contains(html, R"(<span class="pill fail">FAIL</span>)")) << html;
  EXPECT_TRUE(contains(html, "size_mb 600 &gt;= critical 500, hits NULL")) << html;
}

}  // namespace
}  // namespace opsagent::web
