#include "agent/web/http_server.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

namespace opsagent::web {

namespace {

http::ServerLimits limits(int threads) {
  using std::chrono::seconds;
  // Idle keep-alive connections cost no worker here, but each holds a descriptor: keep them
  // short, as health checkers mostly ask once and leave.
  return {.workers = static_cast<std::size_t>(threads),
          .max_connections = HttpServer::kMaxConnections,
          .keep_alive_max_count = 1000,
          .keep_alive_timeout = seconds(2),
          .read_timeout = seconds(2),
          .write_timeout = seconds(2)};
}

}  // namespace

HttpServer::HttpServer(ServingState state, int threads)
    : server_(std::make_unique<http::EventServer>(limits(threads))),
      routes_(state, [this] { return server_->stats(); }) {
  httplib::Server& server = server_->routes();
  server.set_payload_max_length(4096);
  // cpp-httplib's default sets SO_REUSEPORT, which lets a second agent bind the same port and
  // silently take half the healthchecks. SO_REUSEADDR alone still allows quick restarts.
  server.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  routes_.install(server);
}

HttpServer::~HttpServer() {
  stop();
}

std::expected<void, std::string> HttpServer::bind(const std::string& host, int port) {
  errno = 0;
  const int bound = server_->bind_listener(host, port);
  if (bound < 0) {
    const int err = errno;
    return std::unexpected("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                           (err != 0 ? std::strerror(err) : "bind failed") +
                           " (is another process using the port? see agent.listen / $PORT)");
  }
  port_ = bound;
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
