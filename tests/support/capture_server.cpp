#include "tests/support/capture_server.hpp"

#include <stdexcept>

namespace opsagent::testing {

CaptureServer::CaptureServer() : server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(8); };
  server_->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
    std::unique_lock lock(mutex_);
    requests_.push_back(
        {req.method, req.path, req.headers, req.body, std::chrono::steady_clock::now()});
    cv_.notify_all();
    if (hang_) {
      cv_.wait(lock, [this] { return !hang_ || stopping_; });
      if (stopping_) return;
    }
    Response r;
    if (!responses_.empty()) {
      r = responses_.front();
      responses_.pop_front();
    }
    res.status = r.status;
    for (const auto& [k, v] : r.headers) res.set_header(k, v);
    res.set_content(R"({"ok":true})", "application/json");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("CaptureServer: cannot bind 127.0.0.1");
  // Bound means listening: connections wait in the backlog until the accept loop runs.
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

CaptureServer::~CaptureServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    hang_ = false;
  }
  cv_.notify_all();
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string CaptureServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void CaptureServer::respond_with(std::vector<Response> responses) {
  std::lock_guard lock(mutex_);
  responses_.assign(responses.begin(), responses.end());
}

void CaptureServer::hang(bool on) {
  {
    std::lock_guard lock(mutex_);
    hang_ = on;
  }
  cv_.notify_all();
}

std::vector<CaptureServer::Request> CaptureServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

bool CaptureServer::wait_until(const std::function<bool(const std::vector<Request>&)>& done,
                               std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return done(requests_); });
}

}  // namespace opsagent::testing
