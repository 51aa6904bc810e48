#include "agent/web/metrics.hpp"

#include <prometheus/client_metric.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/alerts/alerts_status.hpp"
#include "agent/http/connection_stats.hpp"
#include "agent/web/app_metrics.hpp"
#include "agent/web/database_metrics.hpp"
#include "agent/web/scrape_gauges.hpp"
#include "common/text/utf8.hpp"
#include "common/version.hpp"

namespace opsagent::web {

namespace {

using prometheus::Labels;
using prometheus::Registry;
using Seconds = std::chrono::duration<double>;

// A cycle normally takes milliseconds; the top buckets catch deadline-bound cycles (connect +
// statement timeouts), which run to several seconds.
const prometheus::Histogram::BucketBoundaries kProbeDurationBuckets{
    .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};

// Family::Collect yields series in hash order: sorted by labels, the exposition is stable from
// one scrape to the next and reads in order (states, applications) for a person with curl.
std::vector<prometheus::MetricFamily> sorted(std::vector<prometheus::MetricFamily> families) {
  for (auto& family : families) {
    // Label has operator< but not the full set std::ranges algorithms demand.
    std::sort(family.metric.begin(), family.metric.end(),
              [](const prometheus::ClientMetric& a, const prometheus::ClientMetric& b) {
                return std::lexicographical_compare(a.label.begin(), a.label.end(), b.label.begin(),
                                                    b.label.end());
              });
  }
  return families;
}

int status_code(probes::CheckStatus s) {
  switch (s) {
    case probes::CheckStatus::pass:
      return 0;
    case probes::CheckStatus::warn:
      return 1;
    case probes::CheckStatus::fail:
      return 2;
  }
  return 2;
}

void add_agent_gauges(ScrapeGauges& g, const RenderContext& ctx) {
  g.set("opsagent_build_info", "Always 1; the agent's version is in the label.", 1,
        {{"version", kVersion}});
  g.set("opsagent_ready", "1 when /health/ready answers 200, else 0.", flag(ctx.readiness.ready));
  g.set("opsagent_draining", "1 after SIGTERM while the agent drains, else 0.", flag(ctx.draining));
  if (ctx.snapshot == nullptr) return;
  const Seconds age = ctx.now - ctx.snapshot->completed;
  g.set("opsagent_snapshot_age_seconds", "Time since the latest probe cycle completed.",
        std::max(0.0, age.count()));
  for (const auto& check : ctx.snapshot->checks) {
    g.set("opsagent_check_status",
          "Latest result of each check of the probe cycle: 0 pass, 1 warn, 2 fail.",
          status_code(check.status), {{"check", check.name}});
  }
}

void add_alert_metrics(ScrapeGauges& g, const alerts::AlertsStatus& a) {
  if (a.role == alerts::Role::off) return;
  g.set("opsagent_alert_leader",
        "1 when this agent sends alert notifications, 0 when another agent does.",
        flag(a.role == alerts::Role::leader));
  for (const auto& r : a.receivers) {
    const auto outcome = [&](std::string_view o) {
      return Labels{{"receiver", r.name}, {"outcome", std::string(o)}};
    };
    const std::string help =
        "Alert notifications by receiver and outcome: delivered, retried (an attempt failed and "
        "was scheduled again), failed (given up), dropped (pushed out of a full queue).";
    g.count("opsagent_alert_notifications_total", help, static_cast<double>(r.stats.delivered),
            outcome("delivered"));
    g.count("opsagent_alert_notifications_total", help, static_cast<double>(r.stats.retried),
            outcome("retried"));
    g.count("opsagent_alert_notifications_total", help, static_cast<double>(r.stats.failed),
            outcome("failed"));
    g.count("opsagent_alert_notifications_total", help, static_cast<double>(r.stats.dropped),
            outcome("dropped"));
    g.set("opsagent_alert_queue_length", "Notifications waiting to be delivered, by receiver.",
          static_cast<double>(r.stats.queued), {{"receiver", r.name}});
    g.set("opsagent_alert_receiver_disabled",
          "1 when a receiver answered 410 Gone and is disabled until the config changes.",
          flag(r.stats.disabled), {{"receiver", r.name}});
  }
  std::map<std::pair<std::string, std::string>, int> firing;
  for (const auto& alert : a.firing) {
    ++firing[{alert.labels.at("alertname"), std::string(alerts::to_string(alert.severity))}];
  }
  for (const auto& [key, n] : firing) {
    g.set("opsagent_alerts_firing", "Alerts firing now, by name and severity.", n,
          {{"alertname", key.first}, {"severity", key.second}});
  }
  g.set("opsagent_alert_notifications_suppressed",
        "Notifications held back by alerts.max_per_hour, not yet summarised.", a.suppressed);
}

void add_connection_metrics(ScrapeGauges& g, const http::ConnectionStats& c) {
  g.set("opsagent_http_connections", "Client connections open now (at most 512).",
        static_cast<double>(c.open_connections));
  g.count("opsagent_http_connections_accepted_total", "Client connections accepted.",
          static_cast<double>(c.accepted), {});
  const std::string help =
      "Client connections the agent closed by reason: evicted (the longest-waiting one, to "
      "admit a new connection at the limit), timed_out (idle past keep-alive, or a request "
      "head not complete in time: 408), head_too_large (431), refused_head (malformed or "
      "ambiguous framing: 400 or 505; Range: 416), slow_reader (an answer not taken by the "
      "client within the write timeout).";
  g.count("opsagent_http_connections_closed_total", help, static_cast<double>(c.evicted),
          {{"reason", "evicted"}});
  g.count("opsagent_http_connections_closed_total", help, static_cast<double>(c.timed_out),
          {{"reason", "timed_out"}});
  g.count("opsagent_http_connections_closed_total", help, static_cast<double>(c.head_too_large),
          {{"reason", "head_too_large"}});
  g.count("opsagent_http_connections_closed_total", help, static_cast<double>(c.refused_heads),
          {{"reason", "refused_head"}});
  g.count("opsagent_http_connections_closed_total", help, static_cast<double>(c.slow_readers),
          {{"reason", "slow_reader"}});
  const std::string limited =
      "Requests answered 429 because their client address exceeded agent.rate_limit.";
  g.count("opsagent_http_rate_limited_total", limited, static_cast<double>(c.rate_limited_status),
          {{"path", "/status"}});
  g.count("opsagent_http_rate_limited_total", limited, static_cast<double>(c.rate_limited_metrics),
          {{"path", "/metrics"}});
}

}  // namespace

// The accumulating series: they must survive between scrapes, so they live as long as the agent.
// Families are registered once here; Family::Add and the metrics themselves are thread-safe.
struct PrometheusMetrics::Impl {
  Registry registry;
  prometheus::Histogram& probe_duration = prometheus::BuildHistogram()
                                              .Name("opsagent_probe_duration_seconds")
                                              .Help("Duration of whole probe cycles.")
                                              .Register(registry)
                                              .Add({}, kProbeDurationBuckets);
  prometheus::Counter& probe_cycles = prometheus::BuildCounter()
                                          .Name("opsagent_probe_cycles_total")
                                          .Help("Probe cycles completed and published.")
                                          .Register(registry)
                                          .Add({});
  prometheus::Family<prometheus::Counter>& probe_errors =
      prometheus::BuildCounter()
          .Name("opsagent_probe_errors_total")
          .Help("Failing checks, counted once per probe cycle, by check and error class.")
          .Register(registry);
};

PrometheusMetrics::PrometheusMetrics() : impl_(std::make_unique<Impl>()) {}

PrometheusMetrics::~PrometheusMetrics() = default;

void PrometheusMetrics::observe_cycle(const probes::Snapshot& snapshot) {
  impl_->probe_cycles.Increment();
  impl_->probe_duration.Observe(Seconds(snapshot.duration).count());
  for (const auto& check : snapshot.checks) {
    if (check.status != probes::CheckStatus::fail) continue;
    const Labels labels{{"check", common::valid_utf8(check.name)},
                        {"class", std::string(probes::to_string(check.error))}};
    impl_->probe_errors.Add(labels).Increment();
  }
}

std::string PrometheusMetrics::render(const RenderContext& ctx) const {
  ScrapeGauges gauges;
  add_agent_gauges(gauges, ctx);
  if (const auto* s = ctx.snapshot) {
    add_database_metrics(gauges, *s);
    add_app_metrics(gauges, *s, ctx.now);
  }
  if (ctx.alerts) add_alert_metrics(gauges, *ctx.alerts);
  if (ctx.connections) add_connection_metrics(gauges, *ctx.connections);
  // Two registries, one exposition: their family names are disjoint (gauges here, the counters
  // and the histogram there), so no family appears twice.
  std::ostringstream out;
  const prometheus::TextSerializer serializer;
  serializer.Serialize(out, sorted(gauges.collect()));
  serializer.Serialize(out, sorted(impl_->registry.Collect()));
  return out.str();
}

}  // namespace opsagent::web
