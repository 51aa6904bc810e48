// Which path goes to which endpoint, and what a request passes before it gets there: the guard
// on method, path and body (http::guard_request: a 4xx before any handler or body reader
// runs), the bearer token on the pages that show details, a per-address rate limit on the pages
// that render on every request (/status, /metrics; agent.rate_limit), and an exception handler
// that logs the error and tells the client nothing about it.
// Thread-safety: install() before serving; the handlers it installs run on the worker pool
// concurrently (the rate limiter locks, the counters are atomics).
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <functional>

#include "agent/http/connection_stats.hpp"
#include "agent/http/rate_limiter.hpp"
#include "agent/web/endpoints.hpp"

namespace opsagent::web {

class Routes {
 public:
  // `transport_stats`: the connection counters of the server the routes run on, for /metrics.
  Routes(ServingState state, std::function<http::ConnectionStats()> transport_stats);
  ~Routes() = default;
  Routes(const Routes&) = delete;  // the installed handlers point at it
  Routes& operator=(const Routes&) = delete;

  // Installs the routes and the guard, error and exception handlers; they refer to this object,
  // which must outlive the server's serving.
  void install(httplib::Server& server);

 private:
  // True when `res` now holds a 429 for this client (counted in `counter`).
  bool rate_limited(const httplib::Request& req, httplib::Response& res,
                    std::atomic<std::uint64_t>& counter);

  const probes::ConfigHolder& config_;
  Endpoints endpoints_;
  std::function<http::ConnectionStats()> transport_stats_;
  http::RateLimiter limiter_;
  std::atomic<std::uint64_t> rate_limited_status_{0};
  std::atomic<std::uint64_t> rate_limited_metrics_{0};
};

}  // namespace opsagent::web
