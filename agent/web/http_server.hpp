// The agent's HTTP server: the event-driven transport (http::EventServer) with the agent's
// routes (routes.hpp) on it, serving on a thread of its own. Connections wait in epoll, not on
// worker threads, so idle keep-alive and slow clients cannot starve /health/ready; keep-alive
// and I/O timeouts are short and the payload limit tiny, as health checkers ask once and leave.
// Thread-safety: bind/start/stop from one thread; handlers run on the worker pool.
#pragma once

#include <cstddef>
#include <expected>
#include <memory>
#include <string>
#include <thread>

#include "agent/http/event_server.hpp"
#include "agent/web/routes.hpp"

namespace opsagent::web {

class HttpServer {
 public:
  HttpServer(ServingState state, int threads);
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket (port 0: any free port); the error says which address and why.
  std::expected<void, std::string> bind(const std::string& host, int port);
  // The port bound; 0 before bind().
  int port() const { return port_; }
  void start();  // serves on a thread of its own
  void stop();

  // Client connections held at once (idle, slow or being served); beyond it the one that has
  // waited longest is closed. Keeps file descriptors bounded whatever the clients do.
  static constexpr std::size_t kMaxConnections = 512;

 private:
  std::unique_ptr<http::EventServer> server_;
  Routes routes_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace opsagent::web
