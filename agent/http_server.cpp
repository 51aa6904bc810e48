#include "agent/http_server.hpp"

#include <httplib.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "agent/readiness.hpp"
#include "agent/render_json.hpp"

namespace opsagent::agent {

namespace {

constexpr std::array<std::string_view, 3> kRoutes{"/health/live", "/health/ready", "/health"};
constexpr const char* kJson = "application/json";

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(to_body(body), kJson);
}

}  // namespace

HttpServer::HttpServer(ServingState state, int threads)
    : state_(state), server_(std::make_unique<httplib::Server>()) {
  const auto pool_size = static_cast<std::size_t>(threads);
  server_->new_task_queue = [pool_size] { return new httplib::ThreadPool(pool_size); };
  // Health checkers open a connection, ask once and leave; long keep-alive only pins workers.
  server_->set_keep_alive_max_count(100);
  server_->set_keep_alive_timeout(2);
  server_->set_read_timeout(2, 0);
  server_->set_write_timeout(2, 0);
  server_->set_payload_max_length(4096);
  server_->set_tcp_nodelay(true);
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
  server_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.path.size() > kMaxPathLength) {
      send_json(res, 414, {{"error", "path too long"}});
      return httplib::Server::HandlerResponse::Handled;
    }
    if (std::ranges::find(kRoutes, req.path) == kRoutes.end()) {
      send_json(res, 404, {{"error", "not found"}, {"endpoints", kRoutes}});
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method != "GET" && req.method != "HEAD") {
      res.set_header("Allow", "GET, HEAD");
      send_json(res, 405, {{"error", "method not allowed"}});
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // cpp-httplib's default puts e.what() in a response header; say nothing, log everything.
  server_->set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          spdlog::error("http: {} {} failed: {}", req.method, req.path.substr(0, 64), e.what());
        } catch (...) {
          spdlog::error("http: {} {} failed with a non-standard exception", req.method,
                        req.path.substr(0, 64));
        }
        send_json(res, 500, {{"error", "internal error"}});
      });

  // Called for every status >= 400, ours included: only fill in what is still empty
  // (e.g. the 400 cpp-httplib sends for a malformed request line).
  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      send_json(res, res.status, {{"error", res.status < 500 ? "bad request" : "server error"}});
    }
  });

  auto context = [this] {
    RenderContext ctx;
    auto snapshot = state_.store.latest();
    auto config = state_.config.get();
    ctx.now = SteadyClock::now();
    ctx.draining = state_.draining.load();
    ctx.readiness =
        evaluate_readiness(snapshot.get(), ctx.now, config->agent.stale_after, ctx.draining);
    // Keep the snapshot alive for the caller through a shared_ptr captured in the context.
    return std::make_pair(std::move(snapshot), ctx);
  };

  server_->Get("/health/live", [this](const httplib::Request&, httplib::Response& res) {
    auto config = state_.config.get();
    const auto now = SteadyClock::now();
    const auto heartbeat = state_.loop.heartbeat();
    const bool alive = evaluate_liveness(heartbeat, now, config->agent.stale_after);
    const auto since_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - heartbeat).count();
    send_json(res, alive ? 200 : 503,
              {{"status", alive ? "pass" : "fail"}, {"probe_loop_heartbeat_age_ms", since_ms}});
  });

  server_->Get("/health/ready", [context](const httplib::Request&, httplib::Response& res) {
    auto [snapshot, ctx] = context();
    ctx.snapshot = snapshot.get();
    send_json(res, ctx.readiness.ready ? 200 : 503, render_readiness(ctx));
  });

  server_->Get("/health", [context](const httplib::Request&, httplib::Response& res) {
    auto [snapshot, ctx] = context();
    ctx.snapshot = snapshot.get();
    send_json(res, ctx.readiness.ready ? 200 : 503, render_health(ctx));
  });
}

std::expected<void, std::string> HttpServer::bind(const std::string& host, int port) {
  errno = 0;
  if (!server_->bind_to_port(host, port)) {
    const int err = errno;
    return std::unexpected("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                           (err != 0 ? std::strerror(err) : "bind failed") +
                           " (is another process using the port? see agent.listen / $PORT)");
  }
  return {};
}

void HttpServer::start() {
  thread_ = std::thread([this] {
    if (!server_->listen_after_bind()) spdlog::debug("http: listener ended");
  });
}

void HttpServer::stop() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace opsagent::agent
