// The HTTP endpoints. Handlers only read the latest Snapshot and a few atomics: no database or
// network I/O on the request path, so a frozen database cannot slow any answer.
// Connections wait in epoll, not on worker threads (http::EventServer), so idle keep-alive and
// slow clients cannot starve /health/ready; short keep-alive and I/O timeouts, a tiny payload
// limit, a guard on path, method and body before routing (http::guard_request), a per-address
// rate limit on the pages that render on every request (/status, /metrics; agent.rate_limit),
// and an exception handler that logs the error and tells the client nothing about it.
// Thread-safety: handlers run on the worker pool; start/stop from one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "agent/alerts/alerter.hpp"
#include "agent/http/event_server.hpp"
#include "agent/http/rate_limiter.hpp"
#include "agent/web/bearer_token.hpp"
#include "agent/web/metrics.hpp"
#include "probes/config_holder.hpp"
#include "probes/model/snapshot_store.hpp"
#include "probes/probe_loop.hpp"

namespace opsagent::web {

// What the handlers read. All referenced objects outlive the server.
struct ServingState {
  const probes::SnapshotStore& store;
  const probes::ConfigHolder& config;
  const common::Latest<BearerToken>& token;
  const probes::ProbeLoop& loop;
  const std::atomic<bool>& draining;
  const AgentMetrics& metrics;
  const common::Latest<std::string>& app_problem;  // supervise mode; nullptr/empty: fine
  const alerts::Alerter& alerter;
};

class HttpServer {
 public:
  HttpServer(ServingState state, int threads);
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket; the error says which address and why.
  std::expected<void, std::string> bind(const std::string& host, int port);
  void start();  // serves on a thread of its own
  void stop();

  // Client connections held at once (idle, slow or being served); beyond it the one that has
  // waited longest is closed. Keeps file descriptors bounded whatever the clients do.
  static constexpr std::size_t kMaxConnections = 512;

 private:
  void install_routes();

  // What one request renders: the latest snapshot and config, kept alive by the view.
  struct View {
    std::shared_ptr<const probes::Snapshot> snapshot;
    std::shared_ptr<const config::Config> config;
    std::shared_ptr<const alerts::AlertsStatus> alerts;
    RenderContext ctx;
  };
  View view() const;
  bool authorized(std::string_view authorization) const;
  // True when `res` now holds a 429 for this client (counted in `counter`).
  bool rate_limited(const httplib::Request& req, httplib::Response& res,
                    std::atomic<std::uint64_t>& counter);
  // What /health/live and /health/ready answer, through cpp-httplib or the direct path.
  http::DirectAnswer liveness_answer() const;
  http::DirectAnswer readiness_answer(std::string_view authorization) const;

  ServingState state_;
  http::RateLimiter limiter_;
  std::atomic<std::uint64_t> rate_limited_status_{0};
  std::atomic<std::uint64_t> rate_limited_metrics_{0};
  std::unique_ptr<http::EventServer> server_;
  std::thread thread_;
};

}  // namespace opsagent::web
