#include "agent/web/http_server.hpp"

#include <httplib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>

#include "agent/http/request_guard.hpp"
#include "agent/web/readiness.hpp"
#include "agent/web/render_json.hpp"
#include "agent/web/render_status.hpp"

namespace opsagent::web {

namespace {

constexpr const char* kJson = "application/json";

void send_json(httplib::Response& res, int status, const nlohmann::json& body,
               const char* content_type = kJson) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(to_body(body), content_type);
}

// What /health and /health/ready show a caller without the token: the verdict, no details.
nlohmann::json verdict_only(const RenderContext& ctx) {
  return {{"status", overall_status(ctx)}, {"ready", ctx.readiness.ready}};
}

// The pre-routing guard: true when `res` now holds the refusal.
bool refused(const httplib::Request& req, httplib::Response& res) {
  const std::string content_length = req.get_header_value("Content-Length");
  const std::string transfer_encoding = req.get_header_value("Transfer-Encoding");
  const auto rejection =
      http::guard_request({req.method, req.path, content_length, transfer_encoding});
  if (!rejection) return false;
  nlohmann::json body{{"error", rejection->message}};
  if (rejection->list_routes) body["endpoints"] = http::kRoutes;
  if (rejection->allow_header) res.set_header("Allow", "GET, HEAD");
  send_json(res, rejection->status, body);
  return true;
}

void send_answer(httplib::Response& res, const http::DirectAnswer& answer) {
  res.status = answer.status;
  res.set_header("Cache-Control", "no-store");  // as the direct path writes it
  res.set_content(answer.body, std::string(answer.content_type));
}

// What a worker thread last rendered for /health/ready, and every input the body shows.
struct RenderedReadiness {
  const void* server = nullptr;
  std::shared_ptr<const probes::Snapshot> snapshot;  // its identity: checks, warnings, time
  bool ready = false;
  bool details = false;
  std::int64_t age_ms = -1;
  std::string reason;
  std::string body;
};

// A direct handler's answer, or nullopt after an exception: the cpp-httplib route then runs
// the same code again, and its exception handler logs the failure and answers 500.
template <typename Answer>
std::optional<http::DirectAnswer> answer_directly(Answer&& answer) {
  try {
    return std::forward<Answer>(answer)();
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

HttpServer::HttpServer(ServingState state, int threads)
    : state_(state),
      server_(
          std::make_unique<http::EventServer>(static_cast<std::size_t>(threads), kMaxConnections)) {
  // Idle keep-alive connections cost no worker here, but each holds a descriptor: keep them
  // short, as health checkers mostly ask once and leave.
  server_->set_keep_alive_max_count(1000);
  server_->set_keep_alive_timeout(2);
  server_->set_read_timeout(2, 0);
  server_->set_write_timeout(2, 0);
  server_->set_payload_max_length(4096);
  // cpp-httplib's default sets SO_REUSEPORT, which lets a second agent bind the same port and
  // silently take half the healthchecks. SO_REUSEADDR alone still allows quick restarts.
  server_->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  install_routes();
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::install_routes() {
  // The event server has already refused malformed and ambiguous framing (guard_head), so the
  // single Content-Length and Transfer-Encoding cpp-httplib reports are the only ones.
  server_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    return refused(req, res) ? httplib::Server::HandlerResponse::Handled
                             : httplib::Server::HandlerResponse::Unhandled;
  });
  // cpp-httplib answers "Expect: 100-continue" before routing: a request the guard refuses gets
  // its final answer instead of an invitation to send the body.
  server_->set_expect_100_continue_handler([](const httplib::Request& req, httplib::Response& res) {
    return refused(req, res) ? res.status : 100;
  });

  // cpp-httplib's default puts e.what() in a response header; say nothing, log everything.
  server_->set_exception_handler(
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
  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status < 500 && !res.has_header("Connection")) res.set_header("Connection", "close");
    if (res.body.empty()) {
      send_json(res, res.status, {{"error", res.status < 500 ? "bad request" : "server error"}});
    }
  });

  auto authorized_request = [this](const httplib::Request& req) {
    return this->authorized(req.get_header_value("Authorization"));
  };
  auto deny = [](httplib::Response& res) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"opsagent\"");
    send_json(res, 401, {{"error", "a bearer token is required (Authorization: Bearer ...)"}});
  };

  // Healthcheckers' plain requests take the direct path; the routes serve every other shape of
  // the same request, with the same answer.
  server_->Get("/health/live", [this](const httplib::Request&, httplib::Response& res) {
    send_answer(res, liveness_answer());
  });
  server_->Get("/health/ready", [this](const httplib::Request& req, httplib::Response& res) {
    send_answer(res, readiness_answer(req.get_header_value("Authorization")));
  });
  server_->direct_get("/health/live", [this](const http::DirectRequest&) {
    return answer_directly([this] { return liveness_answer(); });
  });
  server_->direct_get("/health/ready", [this](const http::DirectRequest& req) {
    return answer_directly([&] { return readiness_answer(req.authorization); });
  });

  server_->Get("/health",
               [this, authorized_request](const httplib::Request& req, httplib::Response& res) {
                 const View v = view();
                 const int status = v.ctx.readiness.ready ? 200 : 503;
                 if (authorized_request(req)) {
                   send_json(res, status, render_health(v.ctx), "application/health+json");
                 } else {
                   send_json(res, status, verdict_only(v.ctx));
                 }
               });

  server_->Get("/status", [this, authorized_request, deny](const httplib::Request& req,
                                                           httplib::Response& res) {
    if (rate_limited(req, res, rate_limited_status_)) return;
    if (!authorized_request(req)) return deny(res);
    const View v = view();
    const bool html = req.get_param_value("format") == "html" ||
                      (!req.has_param("format") && wants_html(req.get_header_value("Accept")));
    res.set_header("Cache-Control", "no-store");
    if (html) {
      res.set_content(render_status_html(v.ctx), "text/html; charset=utf-8");
    } else {
      res.set_content(render_status_text(v.ctx), "text/plain; charset=utf-8");
    }
  });

  server_->Get("/metrics", [this, authorized_request, deny](const httplib::Request& req,
                                                            httplib::Response& res) {
    if (rate_limited(req, res, rate_limited_metrics_)) return;
    if (!authorized_request(req)) return deny(res);
    View v = view();
    http::ConnectionStats connections = server_->stats();
    connections.rate_limited_status = rate_limited_status_.load();
    connections.rate_limited_metrics = rate_limited_metrics_.load();
    v.ctx.connections = &connections;
    res.set_header("Cache-Control", "no-store");
    res.set_content(state_.metrics.render(v.ctx), "text/plain; version=0.0.4; charset=utf-8");
  });
}

bool HttpServer::rate_limited(const httplib::Request& req, httplib::Response& res,
                              std::atomic<std::uint64_t>& counter) {
  const int rate = state_.config.get()->agent.rate_limit;
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

bool HttpServer::authorized(std::string_view authorization) const {
  // Everyone without a token; with one, only its bearers.
  auto token = state_.token.get();
  return !token || token->admits(authorization);
}

http::DirectAnswer HttpServer::liveness_answer() const {
  auto config = state_.config.get();
  const auto now = SteadyClock::now();
  const auto heartbeat = state_.loop.heartbeat();
  const bool alive = evaluate_liveness(heartbeat, now, config->agent.stale_after);
  const auto since_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - heartbeat).count();
  const nlohmann::json body{{"status", alive ? "pass" : "fail"},
                            {"probe_loop_heartbeat_age_ms", since_ms}};
  return {alive ? 200 : 503, kJson, to_body(body)};
}

http::DirectAnswer HttpServer::readiness_answer(std::string_view authorization) const {
  // Public: without a token's bearer only the verdict, never the details.
  const View v = view();
  const bool details = authorized(authorization);
  const auto age_ms =
      v.snapshot
          ? std::chrono::duration_cast<std::chrono::milliseconds>(v.ctx.now - v.snapshot->completed)
                .count()
          : -1;
  // The body this worker rendered last, reused when everything it shows is unchanged: under
  // healthcheck load most requests of a millisecond ask for the same bytes, and building and
  // serializing the JSON was most of their cost. The key is every value the body shows (the
  // snapshot's checks and warnings through its identity), so a reused body is exactly what
  // rendering it again would give. One per worker thread: no lock, nothing shared.
  thread_local RenderedReadiness last;
  if (last.server != this || last.snapshot != v.snapshot || last.ready != v.ctx.readiness.ready ||
      last.details != details || last.age_ms != age_ms || last.reason != v.ctx.readiness.reason) {
    const nlohmann::json body = details ? render_readiness(v.ctx) : verdict_only(v.ctx);
    last = {this,         v.snapshot, v.ctx.readiness.ready,
            details,      age_ms,     v.ctx.readiness.reason,
            to_body(body)};
  }
  return {v.ctx.readiness.ready ? 200 : 503, kJson, last.body};
}

HttpServer::View HttpServer::view() const {
  View v;
  v.snapshot = state_.store.get();
  v.config = state_.config.get();
  v.ctx.snapshot = v.snapshot.get();
  v.ctx.config = v.config.get();
  v.ctx.now = SteadyClock::now();
  v.ctx.draining = state_.draining.load();
  v.alerts = state_.alerter.status();
  v.ctx.alerts = v.alerts.get();
  const auto app_problem = state_.app_problem.get();
  v.ctx.readiness = evaluate_readiness(v.ctx.snapshot, v.ctx.now, v.config->agent.stale_after,
                                       v.ctx.draining, app_problem ? *app_problem : "");
  return v;
}

std::expected<void, std::string> HttpServer::bind(const std::string& host, int port) {
  errno = 0;
  if (server_->bind_listener(host, port) < 0) {
    const int err = errno;
    return std::unexpected("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                           (err != 0 ? std::strerror(err) : "bind failed") +
                           " (is another process using the port? see agent.listen / $PORT)");
  }
  return {};
}

void HttpServer::start() {
  thread_ = std::thread([this] {
    if (!server_->serve()) spdlog::error("http: the listening socket failed; no more requests");
  });
}

void HttpServer::stop() {
  server_->shutdown();
  if (thread_.joinable()) thread_.join();
}

}  // namespace opsagent::web
