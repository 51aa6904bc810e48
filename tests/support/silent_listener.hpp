// A TCP "server" that accepts connections and then never sends a byte: what a database behind
// a black-holing firewall or a wedged proxy looks like. Clients connect fine and then wait
// forever for the server's first message, so only client-side timeouts get them out.
// Thread-safety: port() and accepted() may be called from any thread.
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace opsagent::testing {

class SilentTcpListener {
 public:
  // Listens on 127.0.0.1 on a port chosen by the kernel (no race with other listeners).
  SilentTcpListener();
  // Stops the accept thread and closes every held connection. Bounded: the thread is woken
  // through an eventfd rather than waiting for a connection.
  ~SilentTcpListener();
  SilentTcpListener(const SilentTcpListener&) = delete;
  SilentTcpListener& operator=(const SilentTcpListener&) = delete;

  int port() const { return port_; }
  // Connections accepted so far (they stay open until destruction).
  int accepted() const { return accepted_.load(); }
  // postgresql:// URL pointing at this listener, for DATABASE_URL.
  std::string dsn() const;

 private:
  void run();

  int listen_fd_ = -1;
  int wake_fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

}  // namespace opsagent::testing
