#include "agent/web/routes.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "agent/http/request_guard.hpp"

namespace opsagent::web {

namespace {

// The pre-routing guard: true when `res` now holds the refusal.
bool refused(const httplib::Request& req, httplib::Response& res) {
  const std::string content_length = req.get_header_value("Content-Length");
  const std::string transfer_encoding = req.get_header_value("Transfer-Encoding");
  const auto rejection =
      http::guard_request({req.method, req.path, content_length, transfer_encoding});
  if (!rejection) return false;
  nlohmann::json body{{"error", rejection->message}};
  if (rejection->list_routes) {
    body["endpoints"] = http::kRoutes;
    body["endpoints"].push_back(http::kUpstreamsRoute);
  }
  if (rejection->allow_header) res.set_header("Allow", "GET, HEAD");
  send_json(res, rejection->status, body);
  return true;
}

void deny(httplib::Response& res) {
  res.set_header("WWW-Authenticate", "Bearer realm=\"opsagent\"");
  send_json(res, 401, {{"error", "a bearer token is required (Authorization: Bearer ...)"}});
}

void install_error_handlers(httplib::Server& server) {
  // The event server has already refused malformed and ambiguous framing (guard_head), so the
  // single Content-Length and Transfer-Encoding cpp-httplib reports are the only ones.
  server.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    return refused(req, res) ? httplib::Server::HandlerResponse::Handled
                             : httplib::Server::HandlerResponse::Unhandled;
  });
  // cpp-httplib answers "Expect: 100-continue" before routing: a request the guard refuses gets
  // its final answer instead of an invitation to send the body.
  server.set_expect_100_continue_handler([](const httplib::Request& req, httplib::Response& res) {
    return refused(req, res) ? res.status : 100;
  });

  // cpp-httplib's default puts e.what() in a response header; say nothing, log everything.
  server.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        try {
          std::rethrow_exception(std::move(ep));
        } catch (const std::exception& e) {
          spdlog::error("http: {} {} failed: {}", req.method, req.path.substr(0, 64), e.what());
        } catch (...) {
          spdlog::error("http: {} {} failed with a non-standard exception", req.method,
                        req.path.substr(0, 64));
        }
        send_json(res, 500, {{"error", "internal error"}});
      });

  // Called for every status >= 400, ours included: only fill in what is still empty
  // (e.g. the 400 cpp-httplib sends for a malformed request line). The event server closes
  // the connection after a 4xx (an unread body may follow); say so.
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status < 500 && !res.has_header("Connection")) res.set_header("Connection", "close");
    if (res.body.empty()) {
      send_json(res, res.status, {{"error", res.status < 500 ? "bad request" : "server error"}});
    }
  });
}

}  // namespace

Routes::Routes(ServingState state, std::function<http::ConnectionStats()> transport_stats)
    : config_(state.config), endpoints_(state), transport_stats_(std::move(transport_stats)) {}

void Routes::install(httplib::Server& server) {
  install_error_handlers(server);
  auto bearer = [this](const httplib::Request& req) {
    return endpoints_.authorized(req.get_header_value("Authorization"));
  };

  // Healthcheckers: never rate-limited, never refused for a missing token (only the details
  // are kept from them).
  server.Get("/health/live",
             [this](const httplib::Request&, httplib::Response& res) { endpoints_.live(res); });
  server.Get("/health/ready", [this, bearer](const httplib::Request& req, httplib::Response& res) {
    endpoints_.ready(res, bearer(req));
  });
  server.Get("/health", [this, bearer](const httplib::Request& req, httplib::Response& res) {
    endpoints_.health(res, bearer(req));
  });

  // The on-call's pages render on every request: a bearer's only, and rate-limited.
  server.Get("/status", [this, bearer](const httplib::Request& req, httplib::Response& res) {
    if (rate_limited(req, res, rate_limited_status_)) return;
    if (!bearer(req)) return deny(res);
    endpoints_.status(req, res);
  });
  server.Get("/metrics", [this, bearer](const httplib::Request& req, httplib::Response& res) {
    if (rate_limited(req, res, rate_limited_metrics_)) return;
    if (!bearer(req)) return deny(res);
    http::ConnectionStats connections = transport_stats_();
    connections.rate_limited_status = rate_limited_status_.load();
    connections.rate_limited_metrics = rate_limited_metrics_.load();
    endpoints_.metrics(res, connections);
  });

  // The app's workers ask before calling an upstream API: never rate-limited (every request of
  // the app may ask), details for a bearer only, like /health/ready. Last: a regex route, tried
  // after the plain ones.
  server.Get(R"(/upstreams/([A-Za-z0-9_.\-]{1,63}))",
             [this, bearer](const httplib::Request& req, httplib::Response& res) {
               endpoints_.upstream(req.matches[1].str(), res, bearer(req));
             });
}

bool Routes::rate_limited(const httplib::Request& req, httplib::Response& res,
                          std::atomic<std::uint64_t>& counter) {
  const int rate = config_.get()->agent.rate_limit;
  const auto wait =
      limiter_.admit(req.remote_addr, static_cast<unsigned>(std::max(rate, 0)), SteadyClock::now());
  if (!wait) return false;
  counter.fetch_add(1, std::memory_order_relaxed);
  res.set_header("Retry-After", std::to_string(wait->count()));
  send_json(
      res, 429,
      {{"error", "too many requests from this address (agent.rate_limit = " + std::to_string(rate) +
                     " a second); retry after " + std::to_string(wait->count()) + " s"}});
  return true;
}

}  // namespace opsagent::web
