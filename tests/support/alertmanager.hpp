// A real Prometheus Alertmanager (Debian's prometheus-alertmanager) for one test: its own temp
// dir, config with a do-nothing receiver, a free port on 127.0.0.1, clustering off.
// Thread-safety: use from one thread.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>

namespace opsagent::testing {

class Alertmanager {
 public:
  static constexpr const char* kBinary = "/usr/bin/prometheus-alertmanager";

  // Starts it and waits (bounded) until /-/ready answers; throws std::runtime_error with its
  // log otherwise.
  Alertmanager();
  ~Alertmanager();  // SIGTERM, bounded wait, SIGKILL; removes the dir. Never throws.
  Alertmanager(const Alertmanager&) = delete;
  Alertmanager& operator=(const Alertmanager&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // GET /api/v2/alerts: the alerts it holds as active (resolved ones are left out); an empty
  // array when it does not answer.
  nlohmann::json alerts() const;
  std::string log() const;

 private:
  void shutdown();

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace opsagent::testing
