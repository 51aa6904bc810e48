#include "agent/web/render_json.hpp"

#include <gtest/gtest.h>

#include "probes/model/test_job_reports.hpp"
#include "probes/model/test_snapshots.hpp"

namespace opsagent::web {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using probes::CheckResult;
using probes::CheckStatus;
using probes::ErrorClass;

struct Fixture {
  probes::Snapshot snapshot;
  RenderContext ctx;

  explicit Fixture(std::vector<CheckResult> checks, bool draining = false) {
    ctx.now = SteadyClock::now();
    snapshot.sequence = 7;
    snapshot.completed = ctx.now - 250ms;
    snapshot.taken_at = std::chrono::system_clock::time_point(1'700'000'000'123ms);
    snapshot.duration = 4200us;
    snapshot.server_version = "15.18";
    snapshot.checks = std::move(checks);
    ctx.snapshot = &snapshot;
    ctx.draining = draining;
    ctx.readiness = evaluate_readiness(&snapshot, ctx.now, 15s, draining);
  }
};

CheckResult missing_tables() {
  CheckResult c =
      probes::testing::make_check("schema:tables", CheckStatus::fail,
                                  "missing tables: permits, audit.log", ErrorClass::missing_tables);
  c.missing = {"permits", "audit.log"};
  c.duration = 1500us;
  return c;
}

CheckResult passing(std::string name) {
  return probes::testing::make_check(std::move(name), CheckStatus::pass, "fine");
}

TEST(RenderReadiness, ReadyBody) {
  Fixture f({passing("postgres:connection"), passing("schema:tables")});
  auto j = render_readiness(f.ctx);
  EXPECT_EQ(j["status"], "pass");
  EXPECT_EQ(j["ready"], true);
  EXPECT_EQ(j["checks"]["schema:tables"]["status"], "pass");
  EXPECT_FALSE(j["checks"]["schema:tables"].contains("missing"));
  EXPECT_GE(j["snapshot_age_ms"].get<int>(), 250);
}

TEST(RenderReadiness, NamesMissingTables) {
  Fixture f({passing("postgres:connection"), missing_tables()});
  auto j = render_readiness(f.ctx);
  EXPECT_EQ(j["status"], "fail");
  EXPECT_EQ(j["ready"], false);
  EXPECT_EQ(j["checks"]["schema:tables"]["missing"], json({"permits", "audit.log"}));
  EXPECT_EQ(j["checks"]["schema:tables"]["error"], "missing_tables");
  EXPECT_EQ(j["reason"], "schema:tables: missing tables: permits, audit.log");
}

TEST(RenderReadiness, BeforeFirstCycle) {
  RenderContext ctx;
  ctx.now = SteadyClock::now();
  ctx.readiness = evaluate_readiness(nullptr, ctx.now, 15s, false);
  auto j = render_readiness(ctx);
  EXPECT_EQ(j["status"], "fail");
  EXPECT_TRUE(j["snapshot_age_ms"].is_null());
  EXPECT_TRUE(j["checks"].empty());
}

TEST(RenderHealth, HealthJsonShape) {
  Fixture f({passing("postgres:connection"), missing_tables()});
  auto j = render_health(f.ctx);
  EXPECT_EQ(j["status"], "fail");
  EXPECT_EQ(j["postgres_version"], "15.18");
  EXPECT_EQ(j["snapshot"]["sequence"], 7);
  EXPECT_EQ(j["snapshot"]["time"], "2023-11-14T22:13:20.123Z");
  const auto& tables = j["checks"]["schema:tables"][0];
  EXPECT_EQ(tables["status"], "fail");
  EXPECT_EQ(tables["observedUnit"], "ms");
  EXPECT_DOUBLE_EQ(tables["observedValue"].get<double>(), 1.5);
  EXPECT_EQ(tables["errorClass"], "missing_tables");
  EXPECT_EQ(tables["output"], "missing tables: permits, audit.log");
}

TEST(RenderHealth, ACheckThatMeasuredNothingHasNoObservedValue) {
  CheckResult unlimited = passing("container:memory");  // "not limited": no value, not timed
  CheckResult measured = passing("container:cpu");
  measured.observed_value = 42.5;
  measured.observed_unit = "%";
  Fixture f({unlimited, measured, missing_tables()});
  const auto j = render_health(f.ctx);
  EXPECT_FALSE(j["checks"]["container:memory"][0].contains("observedValue")) << j.dump(2);
  EXPECT_FALSE(j["checks"]["container:memory"][0].contains("observedUnit"));
  EXPECT_DOUBLE_EQ(j["checks"]["container:cpu"][0]["observedValue"].get<double>(), 42.5);
  EXPECT_EQ(j["checks"]["container:cpu"][0]["observedUnit"], "%");
  EXPECT_EQ(j["checks"]["schema:tables"][0]["observedUnit"], "ms");  // timed: 1.5 ms
}

TEST(RenderHealth, UtilizationWindowsNamedAsEverywhereAndNoStaleNow) {
  Fixture f({passing("postgres:connection")});
  f.snapshot.utilization.windows = {{{60s, 0, std::nullopt, 0, 0},
                                     {900s, 30, std::nullopt, 0.9, 0.8},
                                     {3600s, 120, 0.103, 0.9, 0.8}}};
  const auto u = render_health(f.ctx)["utilization"];
  EXPECT_FALSE(u.contains("1m")) << u;  // no samples
  ASSERT_TRUE(u.contains("15m")) << u;
  ASSERT_TRUE(u.contains("1h")) << u;
  EXPECT_FALSE(u.contains("60m")) << u;
  // The last cycle could not read pg_stat_activity: "current" is unknown, not the old value.
  EXPECT_TRUE(u["15m"]["current"].is_null()) << u;
  EXPECT_DOUBLE_EQ(u["1h"]["current"].get<double>(), 0.103);
}

TEST(RenderHealth, HttpAndUpstreamChecksCarryTheirLatencyWindows) {
  Fixture f({passing("postgres:connection"), passing("http:app"), passing("upstream:soda")});
  probes::LatencyTrack app{.check = "http:app"};
  app.windows[0].latency = {.samples = 12, .p50_ms = 3.5, .p95_ms = 9.0, .p99_ms = 40.0};
  f.snapshot.http_latency.push_back(app);
  probes::UpstreamStatus soda;
  soda.name = "soda";
  soda.latency[2].latency = {.samples = 300, .p50_ms = 80.0, .p95_ms = 400.0, .p99_ms = 900.0};
  f.snapshot.upstreams.push_back(soda);
  const auto j = render_health(f.ctx);
  const auto& http = j["checks"]["http:app"][0]["latency_ms"];
  EXPECT_DOUBLE_EQ(http["1m"]["p99"].get<double>(), 40.0) << http;
  EXPECT_EQ(http["1m"]["samples"], 12);
  EXPECT_TRUE(http["15m"]["p50"].is_null()) << "no answers in the window: no made-up number";
  EXPECT_EQ(http["1h"]["samples"], 0);
  const auto& upstream = j["checks"]["upstream:soda"][0]["latency_ms"];
  EXPECT_DOUBLE_EQ(upstream["1h"]["p95"].get<double>(), 400.0) << upstream;
  EXPECT_DOUBLE_EQ(j["upstreams"][0]["latency_ms"]["1h"]["p50"].get<double>(), 80.0);
  EXPECT_FALSE(j["checks"]["postgres:connection"][0].contains("latency_ms"));
}

// A job as last read, its ages counted on to the request; one never read claims nothing.
TEST(RenderHealth, JobsAsLastReadAndNothingClaimedBeforeTheFirstRead) {
  Fixture f({passing("postgres:connection")});
  f.snapshot.jobs = {probes::testing::read_job(f.ctx.now), probes::testing::unread_job()};
  const auto j = render_health(f.ctx);
  ASSERT_EQ(j["jobs"].size(), 2u) << j.dump(2);
  EXPECT_EQ(j["jobs"][0]["last_success_age_s"], 630);
  EXPECT_EQ(j["jobs"][0]["average_duration_ms"], 2000);
  EXPECT_EQ(j["jobs"][0]["failures_in_window"], 2);
  EXPECT_TRUE(j["jobs"][0]["read_error"].is_null());
  EXPECT_TRUE(j["jobs"][1]["failures_in_window"].is_null()) << j["jobs"][1];
  EXPECT_TRUE(j["jobs"][1]["last_success_age_s"].is_null());
  EXPECT_EQ(j["jobs"][1]["read_error"], "relation \"cron_log\" does not exist");
}

TEST(RenderHealth, ExhaustionForecastFieldAndItsCheckNeverGateReadiness) {
  probes::ExhaustionForecast forecast;
  forecast.trend = probes::Trend::rising;
  forecast.window = 900s;
  forecast.samples = 450;
  forecast.per_minute = 2;
  forecast.level = 50;
  forecast.used = 50;
  forecast.usable = 97;
  forecast.exhausted_in = 1410s;
  Fixture f({passing("postgres:connection"), probes::forecast_check(forecast, 30min)});
  f.snapshot.exhaustion = forecast;
  config::Config config;
  f.ctx.config = &config;
  auto j = render_health(f.ctx);
  EXPECT_EQ(j["forecast"]["trend"], "rising") << j;
  EXPECT_EQ(j["forecast"]["window"], "15m");
  EXPECT_EQ(j["forecast"]["exhausted_in_s"], 1410);
  EXPECT_EQ(j["forecast"]["horizon"], "30m");
  EXPECT_EQ(j["forecast"]["within_horizon"], true);
  EXPECT_EQ(j["checks"]["pool:forecast"][0]["status"], "warn");
  EXPECT_EQ(j["checks"]["pool:forecast"][0]["affectsReadiness"], false);
  EXPECT_EQ(j["status"], "warn");
  EXPECT_TRUE(f.ctx.readiness.ready);
  forecast.trend = probes::Trend::flat;
  forecast.exhausted_in.reset();
  f.snapshot.exhaustion = forecast;
  j = render_health(f.ctx);
  EXPECT_TRUE(j["forecast"]["exhausted_in_s"].is_null()) << j;
  EXPECT_EQ(j["forecast"]["within_horizon"], false);
}

TEST(RenderHealth, WarningIsWarnButReady) {
  auto slow = passing("postgres:connection");
  slow.status = CheckStatus::warn;
  Fixture f({slow});
  EXPECT_EQ(render_health(f.ctx)["status"], "warn");
  EXPECT_TRUE(f.ctx.readiness.ready);
}

TEST(RenderHealth, DrainingIsFail) {
  Fixture f({passing("postgres:connection")}, true);
  auto j = render_health(f.ctx);
  EXPECT_EQ(j["status"], "fail");
  EXPECT_EQ(j["draining"], true);
}

TEST(RenderCheckLine, NagiosStyle) {
  Fixture ok({passing("postgres:connection")});
  EXPECT_EQ(render_check_line(ok.ctx), "OPSAGENT OK - all readiness checks pass | duration=0.004s");
  Fixture bad({passing("postgres:connection"), missing_tables()});
  EXPECT_EQ(render_check_line(bad.ctx),
            "OPSAGENT CRITICAL - schema:tables: missing tables: permits, audit.log | "
            "duration=0.004s");
  auto slow = passing("postgres:connection");
  slow.status = CheckStatus::warn;
  slow.message = "slow";
  Fixture warn({slow});
  EXPECT_EQ(render_check_line(warn.ctx),
            "OPSAGENT WARNING - all readiness checks pass; postgres:connection: slow | "
            "duration=0.004s");
  // A critical level of a check that does not gate readiness is named too.
  auto critical = passing("query:requests");
  critical.status = CheckStatus::fail;
  critical.gates_readiness = false;
  critical.message = "p95_ms 4752 >= critical 3000";
  Fixture non_gating({passing("postgres:connection"), critical});
  EXPECT_EQ(render_check_line(non_gating.ctx),
            "OPSAGENT WARNING - all readiness checks pass; query:requests: p95_ms 4752 >= "
            "critical 3000 | duration=0.004s");
}

}  // namespace
}  // namespace opsagent::web
