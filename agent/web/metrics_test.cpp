#include "agent/web/metrics.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "agent/alerts/alerts_status.hpp"
#include "agent/http/connection_stats.hpp"
#include "common/version.hpp"
#include "probes/model/test_job_reports.hpp"
#include "probes/model/test_snapshots.hpp"

namespace opsagent::web {
namespace {

using namespace std::chrono_literals;
using probes::CheckStatus;
using probes::ErrorClass;

std::vector<std::string> lines_of(const std::string& body) {
  std::vector<std::string> out;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool has_line(const std::string& body, const std::string& line) {
  const auto lines = lines_of(body);
  return std::ranges::find(lines, line) != lines.end();
}

// The value of the sample whose name and labels are exactly `series`.
std::optional<double> value_of(const std::string& body, const std::string& series) {
  for (const auto& line : lines_of(body)) {
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

// Family names from "# TYPE" lines, with how often each appears.
std::map<std::string, int> type_lines(const std::string& body) {
  std::map<std::string, int> out;
  for (const auto& line : lines_of(body)) {
    if (!line.starts_with("# TYPE ")) continue;
    ++out[line.substr(7, line.find(' ', 7) - 7)];
  }
  return out;
}

using probes::testing::make_check;
using probes::testing::session_counts;

probes::ActivitySnapshot activity() {
  probes::ActivitySnapshot a;
  a.max_connections = 100;
  a.superuser_reserved_connections = 3;
  a.usable_slots = 97;
  a.sessions = session_counts(10, 30, 2);
  a.sessions.waiting_on_locks = 1;
  a.sessions.oldest_xact_s = 12.5;
  a.sessions.oldest_idle_in_xact_s = 3.25;
  a.by_application = {{"web:1", session_counts(4, 16)}, {"cron", session_counts(6, 14, 2)}};
  return a;
}

probes::PoolReport pool_report() {
  probes::PoolReport p;
  p.level = probes::PoolLevel::warn;
  probes::ClientPoolUse web;
  web.name = "web";
  web.budget = 80;
  web.connections = 20;
  web.instances_at_limit = 1;
  p.clients.push_back(web);
  p.unattributed = 22;
  p.budget.declared = 100;
  p.budget.usable_slots = 97;
  p.budget.fits = false;
  return p;
}

struct Fixture {
  probes::Snapshot snapshot;
  RenderContext ctx;

  Fixture() {
    ctx.now = SteadyClock::now();
    snapshot.sequence = 3;
    snapshot.completed = ctx.now - 1500ms;
    snapshot.duration = 4ms;
    snapshot.checks = {
        make_check("postgres:connection", CheckStatus::pass),
        make_check("schema:tables", CheckStatus::fail, {}, ErrorClass::missing_tables),
        make_check("postgres:connections", CheckStatus::warn)};
    ctx.snapshot = &snapshot;
    ctx.readiness.ready = false;
  }
  void with_activity() {
    snapshot.activity = activity();
    snapshot.pool = pool_report();
  }
};

TEST(PrometheusMetrics, BeforeTheFirstSnapshot) {
  PrometheusMetrics metrics;
  RenderContext ctx;
  ctx.now = SteadyClock::now();
  const auto body = metrics.render(ctx);
  EXPECT_TRUE(has_line(body, "opsagent_build_info{version=\"" + std::string(kVersion) + "\"} 1"))
      << body;
  EXPECT_TRUE(has_line(body, "opsagent_ready 0"));
  EXPECT_TRUE(has_line(body, "opsagent_draining 0"));
  EXPECT_TRUE(has_line(body, "opsagent_probe_cycles_total 0"));
  EXPECT_TRUE(has_line(body, "opsagent_probe_duration_seconds_count 0"));
  EXPECT_EQ(body.find("opsagent_snapshot_age_seconds"), std::string::npos);
  EXPECT_EQ(body.find("opsagent_check_status"), std::string::npos);
  EXPECT_EQ(body.find("opsagent_postgres_"), std::string::npos);
  EXPECT_EQ(body.find("opsagent_pool_"), std::string::npos);
}

TEST(PrometheusMetrics, ReadinessAgeAndCheckStatuses) {
  PrometheusMetrics metrics;
  Fixture f;
  f.ctx.readiness.ready = true;
  f.ctx.draining = true;
  const auto body = metrics.render(f.ctx);
  EXPECT_TRUE(has_line(body, "opsagent_ready 1")) << body;
  EXPECT_TRUE(has_line(body, "opsagent_draining 1"));
  EXPECT_EQ(value_of(body, "opsagent_snapshot_age_seconds"), 1.5);
  EXPECT_TRUE(has_line(body, "opsagent_check_status{check=\"postgres:connection\"} 0"));
  EXPECT_TRUE(has_line(body, "opsagent_check_status{check=\"postgres:connections\"} 1"));
  EXPECT_TRUE(has_line(body, "opsagent_check_status{check=\"schema:tables\"} 2"));
  EXPECT_TRUE(has_line(body,
                       "# HELP opsagent_check_status Latest result of each check of the "
                       "probe cycle: 0 pass, 1 warn, 2 fail."));
  EXPECT_TRUE(has_line(body, "# TYPE opsagent_check_status gauge"));
}

TEST(PrometheusMetrics, UpstreamBreakersLatenciesAndCounts) {
  PrometheusMetrics metrics;
  Fixture f;
  EXPECT_EQ(metrics.render(f.ctx).find("opsagent_upstream_"), std::string::npos);
  probes::UpstreamStatus u;
  u.name = "soda";
  u.state = probes::BreakerState::open;
  u.consecutive_failures = 5;
  u.probes = 40;
  u.failures = 7;
  u.opened = 2;
  u.latency[probes::kSummaryWindow].latency = {
      .samples = 33, .p50_ms = 12.0, .p95_ms = 80.0, .p99_ms = 250.0};
  f.snapshot.upstreams.push_back(u);
  const auto body = metrics.render(f.ctx);
  EXPECT_TRUE(has_line(body, R"(opsagent_upstream_circuit_state{state="open",upstream="soda"} 1)"))
      << body;
  EXPECT_TRUE(
      has_line(body, R"(opsagent_upstream_circuit_state{state="closed",upstream="soda"} 0)"));
  EXPECT_TRUE(
      has_line(body, R"(opsagent_upstream_circuit_state{state="half_open",upstream="soda"} 0)"));
  EXPECT_EQ(value_of(body, R"(opsagent_upstream_consecutive_failures{upstream="soda"})"), 5);
  EXPECT_EQ(value_of(body, R"(opsagent_upstream_failure_threshold{upstream="soda"})"), 5);
  EXPECT_EQ(
      value_of(body,
               R"(opsagent_upstream_latency_seconds{quantile="0.5",upstream="soda",window="15m"})"),
      0.012);
  EXPECT_EQ(
      value_of(
          body,
          R"(opsagent_upstream_latency_seconds{quantile="0.99",upstream="soda",window="15m"})"),
      0.25);
  // The windows without answers have no series rather than a made-up 0.
  EXPECT_EQ(body.find(R"(upstream="soda",window="1m")"), std::string::npos) << body;
  EXPECT_EQ(value_of(body, R"(opsagent_upstream_probes_total{upstream="soda"})"), 40);
  EXPECT_EQ(value_of(body, R"(opsagent_upstream_failures_total{upstream="soda"})"), 7);
  EXPECT_EQ(value_of(body, R"(opsagent_upstream_circuit_opened_total{upstream="soda"})"), 2);
  EXPECT_TRUE(has_line(body, "# TYPE opsagent_upstream_probes_total counter"));
  for (const auto& [family, n] : type_lines(body)) EXPECT_EQ(n, 1) << family;
}

TEST(PrometheusMetrics, HttpCheckLatencyPerWindow) {
  PrometheusMetrics metrics;
  Fixture f;
  EXPECT_EQ(metrics.render(f.ctx).find("opsagent_http_check_latency"), std::string::npos);
  probes::LatencyTrack t{.check = "http:app"};
  t.windows[0].latency = {.samples = 20, .p50_ms = 3.0, .p95_ms = 9.0, .p99_ms = 40.0};
  t.windows[2].latency = {.samples = 900, .p50_ms = 4.0, .p95_ms = 12.0, .p99_ms = 600.0};
  f.snapshot.http_latency.push_back(t);
  const auto body = metrics.render(f.ctx);
  EXPECT_EQ(
      value_of(
          body,
          R"(opsagent_http_check_latency_seconds{check="http:app",quantile="0.99",window="1m"})"),
      0.04)
      << body;
  EXPECT_EQ(
      value_of(
          body,
          R"(opsagent_http_check_latency_seconds{check="http:app",quantile="0.99",window="1h"})"),
      0.6);
  EXPECT_EQ(body.find(R"(window="15m")"), std::string::npos) << "no answers there: no series";
  for (const auto& [family, n] : type_lines(body)) EXPECT_EQ(n, 1) << family;
}

TEST(PrometheusMetrics, ContainerSeriesAndNoneForAnAbsentLimit) {
  PrometheusMetrics metrics;
  Fixture f;
  EXPECT_EQ(metrics.render(f.ctx).find("opsagent_container_"), std::string::npos);
  probes::ContainerStatus c;
  c.source = probes::ContainerStatus::Source::v2;
  c.cpu_quota_cores = 2.0;
  c.cpu_cores_used = 1.0;
  c.cpu_ratio = 0.5;
  c.cpu_throttled_seconds = 3.5;
  c.cpu_throttled_periods = 9;
  c.memory_bytes = 512;
  c.oom_kills = 1;
  c.app = probes::ProcessTreeStatus{.pid = 7, .processes = 5, .rss_bytes = 4096, .cpu_cores = 0.25};
  f.snapshot.container = c;
  const auto body = metrics.render(f.ctx);
  EXPECT_EQ(value_of(body, "opsagent_container_cpu_quota_cores"), 2.0) << body;
  EXPECT_EQ(value_of(body, "opsagent_container_cpu_usage_ratio"), 0.5);
  EXPECT_EQ(value_of(body, "opsagent_container_cpu_throttled_seconds_total"), 3.5);
  EXPECT_EQ(value_of(body, "opsagent_container_cpu_throttled_periods_total"), 9);
  EXPECT_EQ(value_of(body, "opsagent_container_memory_usage_bytes"), 512);
  EXPECT_EQ(value_of(body, "opsagent_container_memory_limited"), 0);
  EXPECT_EQ(value_of(body, "opsagent_container_oom_kills_total"), 1);
  EXPECT_EQ(value_of(body, "opsagent_app_processes"), 5);
  EXPECT_EQ(value_of(body, "opsagent_app_rss_bytes"), 4096);
  EXPECT_EQ(value_of(body, "opsagent_app_cpu_cores"), 0.25);
  // No limit: no limit series and no ratio (a share of the host would mislead).
  EXPECT_EQ(body.find("opsagent_container_memory_limit_bytes"), std::string::npos);
  EXPECT_EQ(body.find("opsagent_container_memory_usage_ratio"), std::string::npos);
  EXPECT_TRUE(has_line(body, "# TYPE opsagent_container_oom_kills_total counter"));
  for (const auto& [family, n] : type_lines(body)) EXPECT_EQ(n, 1) << family;
}

// [[jobs]] and [[queries]]: what the last read said, with ages counted on to the scrape; a job
// never read has only its read_ok series, and a NULL column has no sample.
TEST(PrometheusMetrics, JobAndQuerySeriesFromTheirLastReads) {
  PrometheusMetrics metrics;
  Fixture f;
  const auto before = metrics.render(f.ctx);
  EXPECT_EQ(before.find("opsagent_job_"), std::string::npos);
  EXPECT_EQ(before.find("opsagent_query_"), std::string::npos);
  f.snapshot.jobs = {probes::testing::read_job(f.ctx.now), probes::testing::unread_job()};
  probes::QueryReport cache;
  cache.name = "cache";
  cache.columns = {{"size_mb", 600}, {"oldest_s", std::nullopt}};
  probes::QueryReport broken;
  broken.name = "broken";
  broken.read_error = "canceling statement due to statement timeout";
  broken.columns = {{"rows", 7}};  // as of its last successful run
  f.snapshot.queries = {cache, broken};
  const auto body = metrics.render(f.ctx);
  EXPECT_EQ(value_of(body, R"(opsagent_job_read_ok{job="nightly"})"), 1) << body;
  EXPECT_EQ(value_of(body, R"(opsagent_job_last_success_age_seconds{job="nightly"})"), 630);
  EXPECT_EQ(value_of(body, R"(opsagent_job_running{job="nightly"})"), 1);
  EXPECT_EQ(value_of(body, R"(opsagent_job_running_seconds{job="nightly"})"), 50);
  EXPECT_EQ(value_of(body, R"(opsagent_job_last_duration_seconds{job="nightly"})"), 2.5);
  EXPECT_EQ(value_of(body, R"(opsagent_job_average_duration_seconds{job="nightly"})"), 2.0);
  EXPECT_EQ(value_of(body, R"(opsagent_job_failures_in_window{job="nightly"})"), 2);
  EXPECT_EQ(value_of(body, R"(opsagent_job_read_ok{job="fresh"})"), 0);
  EXPECT_EQ(std::ranges::count_if(
                lines_of(body),
                [](const std::string& l) { return l.find(R"(job="fresh")") != std::string::npos; }),
            1)
      << "a job never read has nothing else to say";
  EXPECT_EQ(value_of(body, R"(opsagent_query_read_ok{query="cache"})"), 1);
  EXPECT_EQ(value_of(body, R"(opsagent_query_value{column="size_mb",query="cache"})"), 600);
  EXPECT_EQ(body.find(R"(column="oldest_s")"), std::string::npos) << "NULL: no sample";
  EXPECT_EQ(value_of(body, R"(opsagent_query_read_ok{query="broken"})"), 0);
  EXPECT_EQ(value_of(body, R"(opsagent_query_value{column="rows",query="broken"})"), 7);
  for (const auto& [family, n] : type_lines(body)) EXPECT_EQ(n, 1) << family;
}

TEST(PrometheusMetrics, LockQueuesAndWaitEventsWithBoundedLabels) {
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  std::vector<probes::WaitEventCount> events{{"Lock", "relation", 6}, {"", "", 2}};
  events.reserve(events.size() + 20);
  for (int i = 0; i < 20; ++i) events.push_back({"IO", "E" + std::to_string(i), 1});
  f.snapshot.activity->wait_events = probes::rank_wait_events(events);
  probes::LockSession root;
  root.pid = 10;
  root.state = "idle in transaction";
  probes::LockSession head;
  head.pid = 11;
  head.wait_mode = "AccessExclusiveLock";
  head.wait_s = 42;
  head.blocked_by = {10};
  probes::LockSession reader = head;
  reader.pid = 12;
  reader.wait_s = 3;
  reader.blocked_by = {11};
  f.snapshot.locks = probes::build_lock_tree({root, head, reader}, 50);
  const auto body = metrics.render(f.ctx);
  EXPECT_EQ(value_of(body, "opsagent_lock_queues"), 1) << body;
  EXPECT_EQ(value_of(body, "opsagent_lock_queue_sessions"), 2);
  EXPECT_EQ(value_of(body, "opsagent_lock_queue_head_wait_seconds"), 42);
  EXPECT_EQ(value_of(body, "opsagent_lock_tree_read_ok"), 1);
  EXPECT_TRUE(has_line(body,
                       "opsagent_postgres_active_sessions_by_wait_event{wait_event=\"relation\","
                       "wait_event_type=\"Lock\"} 6"))
      << body;
  EXPECT_TRUE(has_line(body,
                       "opsagent_postgres_active_sessions_by_wait_event{wait_event=\"\","
                       "wait_event_type=\"(other)\"} 13"))
      << body;
  std::size_t series = 0;
  for (auto at = body.find("\nopsagent_postgres_active_sessions_by_wait_event{");
       at != std::string::npos;
       at = body.find("\nopsagent_postgres_active_sessions_by_wait_event{", at + 1)) {
    ++series;
  }
  EXPECT_EQ(series, probes::ActivitySnapshot::kMaxWaitEvents);
  for (const auto& [family, n] : type_lines(body)) EXPECT_EQ(n, 1) << family;
}

TEST(PrometheusMetrics, ClientConnectionsWhenTheServerReportsThem) {
  PrometheusMetrics metrics;
  Fixture f;
  EXPECT_EQ(metrics.render(f.ctx).find("opsagent_http_"), std::string::npos);
  const http::ConnectionStats c{
      .open_connections = 7, .accepted = 120, .evicted = 3, .timed_out = 11, .head_too_large = 2};
  f.ctx.connections = &c;
  const auto body = metrics.render(f.ctx);
  EXPECT_TRUE(has_line(body, "opsagent_http_connections 7")) << body;
  EXPECT_TRUE(has_line(body, "opsagent_http_connections_accepted_total 120"));
  EXPECT_TRUE(has_line(body, "opsagent_http_connections_closed_total{reason=\"evicted\"} 3"));
  EXPECT_TRUE(has_line(body, "opsagent_http_connections_closed_total{reason=\"timed_out\"} 11"));
  EXPECT_TRUE(
      has_line(body, "opsagent_http_connections_closed_total{reason=\"head_too_large\"} 2"));
}

TEST(PrometheusMetrics, NoActivityMeansNoPostgresOrPoolSeries) {
  PrometheusMetrics metrics;
  Fixture f;
  const auto body = metrics.render(f.ctx);
  EXPECT_EQ(body.find("opsagent_postgres_"), std::string::npos) << body;
  EXPECT_EQ(body.find("opsagent_pool_"), std::string::npos) << body;
}

TEST(PrometheusMetrics, ConnectionSlotsAndSessions) {
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  const auto body = metrics.render(f.ctx);
  EXPECT_TRUE(has_line(body, "opsagent_postgres_max_connections 100")) << body;
  EXPECT_TRUE(has_line(body, "opsagent_postgres_superuser_reserved_connections 3"));
  EXPECT_EQ(body.find("opsagent_postgres_reserved_connections"), std::string::npos)
      << "reserved_connections exists only on PG 16+";
  EXPECT_TRUE(has_line(body, "opsagent_postgres_usable_slots 97"));
  EXPECT_TRUE(has_line(body, "opsagent_postgres_connections_used 42"));
  EXPECT_TRUE(has_line(body, "opsagent_postgres_connections_free 54"));
  EXPECT_NEAR(value_of(body, "opsagent_postgres_connection_utilization_ratio").value_or(-1),
              42.0 / 97, 1e-12);
  EXPECT_TRUE(has_line(body, "opsagent_postgres_connections{state=\"active\"} 10"));
  EXPECT_TRUE(has_line(body, "opsagent_postgres_connections{state=\"idle\"} 30"));
  EXPECT_TRUE(has_line(body, "opsagent_postgres_connections{state=\"idle_in_transaction\"} 2"));
  EXPECT_TRUE(
      has_line(body, "opsagent_postgres_connections{state=\"idle_in_transaction_aborted\"} 0"));
  EXPECT_TRUE(has_line(body, "opsagent_postgres_connections{state=\"other\"} 0"));
  EXPECT_TRUE(has_line(
      body, "opsagent_postgres_application_connections{application=\"web:1\",state=\"idle\"} 16"));
  EXPECT_TRUE(has_line(
      body, "opsagent_postgres_application_connections{application=\"cron\",state=\"active\"} 6"));
  EXPECT_TRUE(has_line(body, "opsagent_postgres_waiting_on_locks 1"));
  EXPECT_TRUE(has_line(body, "opsagent_postgres_oldest_transaction_age_seconds 12.5"));
  EXPECT_TRUE(has_line(body, "opsagent_postgres_oldest_idle_in_transaction_age_seconds 3.25"));
  EXPECT_TRUE(has_line(body, "opsagent_postgres_longest_query_seconds 0"));
  EXPECT_TRUE(has_line(body, "opsagent_postgres_partial_view 0"));
  EXPECT_TRUE(has_line(body, "opsagent_postgres_hidden_sessions 0"));
}

TEST(PrometheusMetrics, ReservedConnectionsAndPartialViewWhenPresent) {
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  f.snapshot.activity->reserved_connections = 2;
  f.snapshot.activity->partial_view = true;
  f.snapshot.activity->hidden_sessions = 5;
  const auto body = metrics.render(f.ctx);
  EXPECT_TRUE(has_line(body, "opsagent_postgres_reserved_connections 2")) << body;
  EXPECT_TRUE(has_line(body, "opsagent_postgres_partial_view 1"));
  EXPECT_TRUE(has_line(body, "opsagent_postgres_hidden_sessions 5"));
}

TEST(PrometheusMetrics, OtherAndUnnamedApplicationGroups) {
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  f.snapshot.activity->by_application = {
      {"", session_counts(0, 3)}, {probes::ActivitySnapshot::kOtherGroup, session_counts(1, 7)}};
  const auto body = metrics.render(f.ctx);
  EXPECT_TRUE(has_line(
      body, "opsagent_postgres_application_connections{application=\"(none)\",state=\"idle\"} 3"))
      << body;
  EXPECT_TRUE(has_line(
      body, "opsagent_postgres_application_connections{application=\"(other)\",state=\"idle\"} 7"));
  EXPECT_EQ(body.find("web:1"), std::string::npos) << "a vanished application keeps no series";
}

TEST(PrometheusMetrics, PoolAndUtilizationWindows) {
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  auto& w = f.snapshot.utilization.windows;
  w[0] = {60s, 30, 0.4, 0.5, 0.45};
  w[1] = {900s, 400, 0.4, 0.75, 0.6};
  w[2] = {3600s, 0, 0, 0, 0};  // no samples yet: no series
  const auto body = metrics.render(f.ctx);
  EXPECT_TRUE(has_line(body, "opsagent_pool_client_connections{client=\"web\"} 20")) << body;
  EXPECT_TRUE(has_line(body, "opsagent_pool_client_budget_connections{client=\"web\"} 80"));
  EXPECT_TRUE(has_line(body, "opsagent_pool_client_instances_at_limit{client=\"web\"} 1"));
  EXPECT_TRUE(has_line(body, "opsagent_pool_unattributed_connections 22"));
  EXPECT_TRUE(has_line(body, "opsagent_pool_budget_declared_connections 100"));
  EXPECT_TRUE(has_line(body, "opsagent_pool_budget_fits 0"));
  EXPECT_TRUE(has_line(body, "opsagent_pool_level 1"));
  EXPECT_TRUE(has_line(body, "opsagent_pool_utilization_max_ratio{window=\"1m\"} 0.5"));
  EXPECT_TRUE(has_line(body, "opsagent_pool_utilization_p95_ratio{window=\"1m\"} 0.45"));
  EXPECT_TRUE(has_line(body, "opsagent_pool_utilization_max_ratio{window=\"15m\"} 0.75"));
  EXPECT_TRUE(has_line(body, "opsagent_pool_utilization_p95_ratio{window=\"15m\"} 0.6"));
  EXPECT_EQ(body.find("window=\"1h\""), std::string::npos);
}

TEST(PrometheusMetrics, DuringDeployBudgetOnlyWithOverlap) {
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  auto body = metrics.render(f.ctx);
  EXPECT_EQ(body.find("opsagent_pool_budget_deploy_"), std::string::npos) << body;
  f.snapshot.pool->budget.overlap = 2;
  f.snapshot.pool->budget.during_deploy = 200;
  f.snapshot.pool->budget.deploy_fits = false;
  body = metrics.render(f.ctx);
  EXPECT_TRUE(has_line(body, "opsagent_pool_budget_deploy_connections 200")) << body;
  EXPECT_TRUE(has_line(body, "opsagent_pool_budget_deploy_fits 0")) << body;
}

TEST(PrometheusMetrics, ExhaustionForecastOnlyWhileRising) {
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  probes::ExhaustionForecast forecast;
  forecast.window = 900s;
  forecast.samples = 3;  // too few: no trend, no series
  f.snapshot.exhaustion = forecast;
  auto body = metrics.render(f.ctx);
  EXPECT_EQ(body.find("opsagent_pool_connections_trend_per_minute"), std::string::npos) << body;
  EXPECT_EQ(body.find("opsagent_pool_exhaustion_forecast_seconds"), std::string::npos);
  forecast.trend = probes::Trend::flat;  // a trend, but no forecast
  f.snapshot.exhaustion = forecast;
  body = metrics.render(f.ctx);
  EXPECT_TRUE(has_line(body, "opsagent_pool_connections_trend_per_minute{window=\"15m\"} 0"))
      << body;
  EXPECT_EQ(body.find("opsagent_pool_exhaustion_forecast_seconds"), std::string::npos);
  forecast.trend = probes::Trend::rising;
  forecast.per_minute = 2.5;
  forecast.exhausted_in = 720s;
  f.snapshot.exhaustion = forecast;
  body = metrics.render(f.ctx);
  EXPECT_TRUE(has_line(body, "opsagent_pool_connections_trend_per_minute{window=\"15m\"} 2.5"))
      << body;
  EXPECT_TRUE(has_line(body, "opsagent_pool_exhaustion_forecast_seconds{window=\"15m\"} 720"))
      << body;
  // Never NaN or +Inf (the histogram's le="+Inf" bucket aside).
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("opsagent_pool_") == std::string::npos) continue;
    EXPECT_EQ(line.find("NaN"), std::string::npos) << line;
    EXPECT_EQ(line.find("Inf"), std::string::npos) << line;
  }
}

TEST(PrometheusMetrics, NoDeclaredClientsMeansNoBudgetSeries) {
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  f.snapshot.pool = probes::PoolReport{};
  const auto body = metrics.render(f.ctx);
  EXPECT_TRUE(has_line(body, "opsagent_pool_level 0")) << body;
  EXPECT_EQ(body.find("opsagent_pool_unattributed_connections"), std::string::npos);
  EXPECT_EQ(body.find("opsagent_pool_budget_"), std::string::npos);
  EXPECT_EQ(body.find("opsagent_pool_client_"), std::string::npos);
}

TEST(PrometheusMetrics, DurationHistogramAccumulatesAcrossCycles) {
  PrometheusMetrics metrics;
  Fixture f;
  for (std::chrono::milliseconds d : {2ms, 4ms, 40ms, 3000ms}) {
    f.snapshot.duration = d;
    metrics.observe_cycle(f.snapshot);
  }
  const auto body = metrics.render(f.ctx);
  EXPECT_TRUE(has_line(body, "opsagent_probe_cycles_total 4")) << body;
  EXPECT_TRUE(has_line(body, "opsagent_probe_duration_seconds_count 4"));
  EXPECT_NEAR(value_of(body, "opsagent_probe_duration_seconds_sum").value_or(-1), 3.046, 1e-9);
  EXPECT_TRUE(has_line(body, "opsagent_probe_duration_seconds_bucket{le=\"0.001\"} 0"));
  EXPECT_TRUE(has_line(body, "opsagent_probe_duration_seconds_bucket{le=\"0.0025\"} 1"));
  EXPECT_TRUE(has_line(body, "opsagent_probe_duration_seconds_bucket{le=\"0.005\"} 2"));
  EXPECT_TRUE(has_line(body, "opsagent_probe_duration_seconds_bucket{le=\"0.05\"} 3"));
  EXPECT_TRUE(has_line(body, "opsagent_probe_duration_seconds_bucket{le=\"2.5\"} 3"));
  EXPECT_TRUE(has_line(body, "opsagent_probe_duration_seconds_bucket{le=\"5\"} 4"));
  EXPECT_TRUE(has_line(body, "opsagent_probe_duration_seconds_bucket{le=\"10\"} 4"));
  EXPECT_TRUE(has_line(body, "opsagent_probe_duration_seconds_bucket{le=\"+Inf\"} 4"));
}

TEST(PrometheusMetrics, ErrorCounterCountsFailingChecksPerCycle) {
  PrometheusMetrics metrics;
  Fixture f;
  metrics.observe_cycle(f.snapshot);
  metrics.observe_cycle(f.snapshot);
  f.snapshot.checks = {
      make_check("postgres:connection", CheckStatus::fail, {}, ErrorClass::timeout)};
  metrics.observe_cycle(f.snapshot);
  const auto body = metrics.render(f.ctx);
  EXPECT_TRUE(has_line(
      body, "opsagent_probe_errors_total{check=\"schema:tables\",class=\"missing_tables\"} 2"))
      << body;
  EXPECT_TRUE(has_line(
      body, "opsagent_probe_errors_total{check=\"postgres:connection\",class=\"timeout\"} 1"));
  EXPECT_EQ(body.find("check=\"postgres:connections\",class"), std::string::npos)
      << "a warning is not an error";
}

// application_name is whatever a client sends: it must not be able to forge series or break
// the exposition for the scraper.
TEST(PrometheusMetrics, HostileApplicationNameIsEscaped) {
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  const std::string hostile = "x\"} 1\nopsagent_ready 1\n# \\ \xff\xc3(";
  f.snapshot.activity->by_application = {{hostile, session_counts(3, 0)}};
  const auto body = metrics.render(f.ctx);
  EXPECT_TRUE(
      has_line(body,
               "opsagent_postgres_application_connections{application=\"x\\\"} "
               "1\\nopsagent_ready 1\\n# \\\\ \xEF\xBF\xBD\xEF\xBF\xBD(\",state=\"active\"} 3"))
      << body;
  EXPECT_FALSE(has_line(body, "opsagent_ready 1")) << "a forged sample";
  EXPECT_TRUE(has_line(body, "opsagent_ready 0"));
}

// Invalid UTF-8 sequences of each kind become U+FFFD; valid multi-byte characters stay.
TEST(PrometheusMetrics, LabelValuesAreValidUtf8) {
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  const std::string cases =
      "é€😀"               // valid 2, 3 and 4-byte sequences
      "\xc0\xaf"          // overlong '/'
      "\xed\xa0\x80"      // a UTF-16 surrogate
      "\xf4\x90\x80\x80"  // past U+10FFFF
      "\xe2\x82";         // truncated at the end
  f.snapshot.activity->by_application = {{cases, session_counts(1, 0)}};
  const auto body = metrics.render(f.ctx);
  const std::string fffd = "\xEF\xBF\xBD";
  std::string expected = "é€😀";
  for (int i = 0; i < 2 + 3 + 4 + 2; ++i) expected += fffd;
  EXPECT_TRUE(has_line(body, "opsagent_postgres_application_connections{application=\"" + expected +
                                 "\",state=\"active\"} 1"))
      << body;
}

TEST(PrometheusMetrics, LabelsThatCollideAfterSanitizingAreSummed) {
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  f.snapshot.activity->by_application = {{"a\xff", session_counts(2, 0)},
                                         {"a\xfe", session_counts(3, 0)}};
  const auto body = metrics.render(f.ctx);
  EXPECT_TRUE(has_line(body,
                       "opsagent_postgres_application_connections{application=\"a\xEF\xBF\xBD\","
                       "state=\"active\"} 5"))
      << body;
}

TEST(PrometheusMetrics, SeriesAreSortedByLabels) {
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  const auto body = metrics.render(f.ctx);
  std::vector<std::size_t> at;
  for (const char* state :
       {"active", "idle", "idle_in_transaction", "idle_in_transaction_aborted", "other"}) {
    at.push_back(body.find("opsagent_postgres_connections{state=\"" + std::string(state) + "\"}"));
  }
  EXPECT_TRUE(std::ranges::is_sorted(at)) << body;
  EXPECT_LT(body.find("application=\"cron\""), body.find("application=\"web:1\""));
}

TEST(PrometheusMetrics, RenderingTwiceDoesNotDuplicateFamilies) {
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  f.snapshot.utilization.windows[0] = {60s, 3, 0.4, 0.5, 0.45};
  metrics.observe_cycle(f.snapshot);
  const auto first = metrics.render(f.ctx);
  const auto second = metrics.render(f.ctx);
  EXPECT_EQ(first, second);
  const auto types = type_lines(second);
  EXPECT_GE(types.size(), 30u);
  for (const auto& [name, n] : types) {
    EXPECT_EQ(n, 1) << name << " appears " << n << " times";
    EXPECT_TRUE(name.starts_with("opsagent_")) << name;
    EXPECT_NE(second.find("# HELP " + name + " "), std::string::npos) << name << " has no help";
  }
}

TEST(PrometheusMetrics, ObserveAndRenderConcurrently) {
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  std::thread prober([&] {
    for (int i = 0; i < 200; ++i) metrics.observe_cycle(f.snapshot);
  });
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(metrics.render(f.ctx).empty());
  prober.join();
  EXPECT_TRUE(has_line(metrics.render(f.ctx), "opsagent_probe_cycles_total 200"));
}

// A rich exposition, hostile label values included, must pass Prometheus's own linter.
TEST(PrometheusMetrics, PromtoolAcceptsTheExposition) {
  constexpr const char* kPromtool = "/usr/bin/promtool";
  if (access(kPromtool, X_OK) != 0) {
    GTEST_SKIP() << kPromtool << " is absent (Debian package prometheus; scripts/install-deps.sh)";
  }
  PrometheusMetrics metrics;
  Fixture f;
  f.with_activity();
  f.snapshot.activity->reserved_connections = 2;
  f.snapshot.activity->sessions.longest_query_s = 0.25;
  f.snapshot.activity->by_application = {
      {"x\"} 1\nopsagent_ready 1\n# \\", session_counts(1, 1)},
      {"bad \xff\xfe utf-8 \xe2\x82", session_counts(0, 2)},
      {"", session_counts(0, 1)},
      {probes::ActivitySnapshot::kOtherGroup, session_counts(2, 3)},
  };
  f.snapshot.utilization.windows = {
      {{60s, 30, 0.4, 0.5, 0.45}, {900s, 400, 0.4, 0.75, 0.6}, {3600s, 1600, 0.4, 0.9, 0.7}}};
  f.snapshot.checks.push_back(
      make_check("hostile \"check\"\n\\", CheckStatus::fail, {}, ErrorClass::unknown));
  metrics.observe_cycle(f.snapshot);
  const auto body = metrics.render(f.ctx);

  const auto path = std::filesystem::temp_directory_path() /
                    ("opsagent-metrics-" + std::to_string(getpid()) + ".prom");
  std::ofstream(path, std::ios::binary) << body;
  const std::string command =
      std::string(kPromtool) + " check metrics < " + path.string() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[4096];
  for (std::size_t n = 0; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) output.append(buf, n);
  const int status = pclose(pipe);
  std::filesystem::remove(path);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "promtool status " << status << ": " << output << "\n---- exposition ----\n"
      << body;
  EXPECT_EQ(output, "") << body;
}

}  // namespace
}  // namespace opsagent::web
