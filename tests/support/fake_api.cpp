#include "tests/support/fake_api.hpp"

#include <stdexcept>

namespace opsagent::testing {

FakeApi::FakeApi() : server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(4); };
  server_->Get(".*", [this](const httplib::Request&, httplib::Response& res) {
    ++requests_;
    // The API being slow, not synchronisation: the agent measures this as latency.
    if (const auto ms = delay_ms_.load(); ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    res.status = status_.load();
    res.set_content(R"([{"inspection_id":"1"}])", "application/json");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeApi: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

FakeApi::~FakeApi() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeApi::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

}  // namespace opsagent::testing
