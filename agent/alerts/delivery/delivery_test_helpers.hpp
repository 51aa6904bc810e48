// What the delivery tests share: notifications, receivers and environments to send, and a local
// HTTP server whose answers each test scripts (including answers that trickle). Test code only.
// Thread-safety: CaptureServer's members are safe from any thread; the rest are plain functions.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <httplib.h>

#include "agent/alerts/delivery/delivery.hpp"
#include "agent/alerts/identity.hpp"
#include "tests/support/silent_listener.hpp"
#include "tests/support/wait.hpp"

namespace opsagent::alerts::delivery_testing {

using namespace std::chrono_literals;
using Kind = AttemptResult::Kind;
using Action = RetryDecision::Action;
using Type = config::AlertReceiver::Type;
using testing::eventually;

// A valid Standard Webhooks secret: base64 of 32 bytes.
inline constexpr const char* kSecret = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

inline AgentIdentity who() {
  return {"agent-host", "db.internal:5432/app", ""};
}

inline Notification make_notification(const std::string& alertname,
                                      NotificationKind kind = NotificationKind::firing) {
  Notification n;
  n.id = new_notification_id();
  n.kind = kind;
  n.created = WallClock::now();
  n.alert.rule = "pool_saturation";
  n.alert.labels = {{"alertname", alertname}};
  n.alert.fingerprint = fingerprint_of(n.alert.labels);
  n.alert.severity = Severity::critical;
  n.alert.summary = "Postgres connections at 96% (93/97)";
  n.alert.details = {"used 93 of 97 usable slots"};
  n.alert.starts_at = n.created;
  if (kind == NotificationKind::resolved) n.alert.ends_at = n.created;
  return n;
}

inline DeliveryJob job_for(const std::string& receiver, Notification n) {
  return DeliveryJob{.receiver = receiver, .notification = std::move(n)};
}

inline config::AlertReceiver receiver(std::string name, Type type, std::string url,
                                      std::chrono::milliseconds timeout = 5s) {
  config::AlertReceiver r;
  r.name = std::move(name);
  r.type = type;
  r.url = std::move(url);
  r.timeout = timeout;
  return r;
}

inline config::Environment env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    if (auto it = vars.find(std::string(name)); it != vars.end()) return it->second;
    return std::nullopt;
  };
}

inline AttemptResult result_of(Kind kind, int status = 0) {
  AttemptResult r;
  r.kind = kind;
  r.status = status;
  if (kind != Kind::delivered) r.error = "scripted failure";
  return r;
}

// ---------------------------------------------------------------------------------------------
// An HTTP server on 127.0.0.1 that records every request and answers through `respond`.

struct Captured {
  std::string path;
  httplib::Params params;
  httplib::Headers headers;
  std::string body;
  SteadyClock::time_point at;
};

class CaptureServer {
 public:
  using Respond = std::function<void(const httplib::Request&, httplib::Response&, int index)>;

  explicit CaptureServer(Respond respond = {}) : respond_(std::move(respond)) {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      int index = 0;
      {
        std::lock_guard lock(mutex_);
        index = static_cast<int>(requests_.size());
        requests_.push_back({req.path, req.params, req.headers, req.body, SteadyClock::now()});
      }
      res.status = 200;
      if (respond_) respond_(req, res, index);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    running_ = testing::eventually([this] { return server_.is_running(); }, 5s);
  }
  CaptureServer(const CaptureServer&) = delete;
  CaptureServer& operator=(const CaptureServer&) = delete;
  ~CaptureServer() {
    server_.stop();
    thread_.join();
  }

  bool running() const { return running_ && port_ > 0; }
  std::string url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Captured> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  Respond respond_;
  httplib::Server server_;
  mutable std::mutex mutex_;
  std::vector<Captured> requests_;
  int port_ = -1;
  bool running_ = false;
  std::thread thread_;
};

// http://127.0.0.1:<port><path>, for a listener that never answers.
inline std::string url_of(const testing::SilentTcpListener& listener, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(listener.port()) + path;
}

// A port nothing listens on.
inline int closed_port() {
  const testing::SilentTcpListener listener;
  return listener.port();  // closed when `listener` goes
}

}  // namespace opsagent::alerts::delivery_testing
