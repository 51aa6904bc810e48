// What each endpoint answers. Every answer is rendered from the latest Snapshot, config and
// alert status and a few atomics: no database or network I/O on the request path, so a frozen
// database cannot slow any answer. Who may call which endpoint, and how often, is routes.hpp's.
// Thread-safety: const methods on shared, immutable state; call from any number of workers.
#pragma once

#include <httplib.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agent/alerts/alerter.hpp"
#include "agent/http/connection_stats.hpp"
#include "agent/web/bearer_token.hpp"
#include "agent/web/metrics.hpp"
#include "agent/web/ready_body.hpp"
#include "agent/web/render_json.hpp"
#include "probes/config_holder.hpp"
#include "probes/model/snapshot_store.hpp"
#include "probes/model/upstream_model.hpp"
#include "probes/probe_loop.hpp"

namespace opsagent::web {

// What the handlers read. All referenced objects outlive the server.
struct ServingState {
  const probes::SnapshotStore& store;
  const probes::ConfigHolder& config;
  const common::Latest<BearerToken>& token;
  const probes::ProbeLoop& loop;
  const std::atomic<bool>& draining;
  const PrometheusMetrics& metrics;
  const common::Latest<std::string>& app_problem;  // supervise mode; nullptr/empty: fine
  const alerts::Alerter& alerter;
  const probes::UpstreamBoardStore& upstreams;  // the upstream prober's latest board
};

// A JSON answer: the status, "Cache-Control: no-store" and the body.
void send_json(httplib::Response& res, int status, const nlohmann::json& body,
               const char* content_type = "application/json");

class Endpoints {
 public:
  explicit Endpoints(ServingState state) : state_(state) {}

  // Everyone without a token; with one, only its bearers.
  bool authorized(std::string_view authorization) const;

  // /health/live: 200 while the probe loop's heartbeat is fresh; never asks the database.
  void live(httplib::Response& res) const;
  // /health/ready: 200 or 503; `details` (a bearer, or no token set): the checks, else only
  // the verdict.
  void ready(httplib::Response& res, bool details) const;
  // /health: the whole health JSON for a bearer, the verdict for anyone else.
  void health(httplib::Response& res, bool details) const;
  // /status: text for curl, HTML for a browser (Accept, or ?format=html).
  void status(const httplib::Request& req, httplib::Response& res) const;
  // /upstreams/<name>: 200 (closed or half-open), 503 (open) or 404, from the upstream
  // prober's latest board; `details` as for /health/ready.
  void upstream(std::string_view name, httplib::Response& res, bool details) const;
  // /metrics: Prometheus text; `connections` are the transport's counters.
  void metrics(httplib::Response& res, const http::ConnectionStats& connections) const;

 private:
  // What one request renders: the latest snapshot and config, kept alive by the view.
  struct View {
    std::shared_ptr<const probes::Snapshot> snapshot;
    std::shared_ptr<const config::Config> config;
    std::shared_ptr<const alerts::AlertsStatus> alerts;
    RenderContext ctx;
  };
  View view() const;

  ServingState state_;
  ReadyBodies ready_bodies_;
};

}  // namespace opsagent::web
