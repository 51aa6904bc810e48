#include "agent/http/httplib_adapter.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

// Pinned to Debian 12's cpp-httplib (0.11.4+ds). The parts used here are not its documented API
// and change between minor versions. Before moving the pin, re-check in the new httplib.h:
//   - Server::process_and_close_socket is still the virtual the accept loop calls, through the
//     task queue (new_task_queue), once per accepted socket, which it then no longer touches;
//   - Server::process_request(Stream&, bool close_connection, bool& connection_closed,
//     setup_request) still reads one request from the Stream and writes its whole answer
//     (status line and headers in one Stream::write call: ConnectionStream takes the status
//     from it), and its Keep-Alive header still shows set_keep_alive_timeout/_max_count;
//   - Server::svr_sock_ is still the listening socket, and stop() still does nothing before
//     the accept loop has started;
//   - httplib::Stream's pure virtuals are still the ones ConnectionStream overrides;
// then run http_test, web_test and the HttpAbuse integration tests.
static_assert(std::string_view(CPPHTTPLIB_VERSION).starts_with("0.11."),
              "agent/http/httplib_adapter.cpp uses cpp-httplib 0.11 internals: re-check them "
              "(see the comment above) before changing this pin");

namespace opsagent::http {

namespace {

// cpp-httplib hands over a queue of one job per accepted socket; running it inline just
// registers the socket with epoll, which never blocks the accept loop.
class InlineTaskQueue final : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

// The Stream cpp-httplib serves one request through. A worker never waits for a client: reads
// come from the bytes the event server already buffered (then whatever the socket holds right
// now), and writes are gathered in the connection's output buffer, which the event server
// sends without blocking.
class ConnectionStream final : public httplib::Stream {
 public:
  explicit ConnectionStream(Connection& connection) : connection_(connection) {}
  ~ConnectionStream() override { connection_.buffer.erase(0, consumed_); }
  ConnectionStream(const ConnectionStream&) = delete;
  ConnectionStream& operator=(const ConnectionStream&) = delete;

  bool is_readable() const override {
    if (consumed_ < connection_.buffer.size()) return true;
    pollfd p{connection_.fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }
  bool is_writable() const override { return true; }  // output is buffered

  ssize_t read(char* ptr, size_t size) override {
    const std::size_t buffered = connection_.buffer.size() - consumed_;
    if (buffered > 0) {
      const std::size_t n = std::min(size, buffered);
      std::memcpy(ptr, connection_.buffer.data() + consumed_, n);
      consumed_ += n;
      return static_cast<ssize_t>(n);
    }
    // Only a request body is read past the head, and the agent refuses bodies before reading
    // them: what has not arrived yet is not waited for.
    for (;;) {
      const ssize_t n = ::recv(connection_.fd, ptr, size, MSG_DONTWAIT);
      if (n >= 0 || errno != EINTR) return n;
    }
  }

  ssize_t write(const char* ptr, size_t size) override {
    // "HTTP/1.1 200 ...": cpp-httplib writes a status line and its headers in one call. An
    // interim 1xx ("100 Continue") is followed by the final status line.
    if (status_ < 200 && size >= 12 && std::memcmp(ptr, "HTTP/1.", 7) == 0 &&
        std::all_of(ptr + 9, ptr + 12, [](char c) { return c >= '0' && c <= '9'; })) {
      status_ = (ptr[9] - '0') * 100 + (ptr[10] - '0') * 10 + (ptr[11] - '0');
    }
    if (connection_.out.size() + size > kMaxPendingOutput) return -1;
    connection_.out.append(ptr, size);
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    connection_.remote_address(ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    connection_.local_address(ip, port);
  }
  socket_t socket() const override { return connection_.fd; }

  int status() const { return status_; }

 private:
  Connection& connection_;
  std::size_t consumed_ = 0;  // bytes of connection_.buffer handed to cpp-httplib
  int status_ = 0;
};

}  // namespace

class HttplibAdapter::Core final : public httplib::Server {
 public:
  explicit Core(AcceptHandler on_accept) : on_accept_(std::move(on_accept)) {
    new_task_queue = [] { return new InlineTaskQueue; };
  }

  socket_t listener() const { return svr_sock_.load(); }

  bool serve_request(httplib::Stream& stream, bool last, bool& client_closes) {
    return process_request(stream, last, client_closes, nullptr);
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    on_accept_(sock);
    return true;
  }

  AcceptHandler on_accept_;
};

HttplibAdapter::HttplibAdapter(AcceptHandler on_accept)
    : core_(std::make_unique<Core>(std::move(on_accept))) {}

HttplibAdapter::~HttplibAdapter() = default;

httplib::Server& HttplibAdapter::server() {
  return *core_;
}

int HttplibAdapter::bind_listener(const std::string& host, int port) {
  const int bound =
      port == 0 ? core_->bind_to_any_port(host) : (core_->bind_to_port(host, port) ? port : -1);
  // cpp-httplib 0.11 listens with a backlog of 5: a burst of healthchecks or a load balancer's
  // reconnects would see SYNs dropped and retried a second later. Listening again resizes it.
  if (bound > 0) ::listen(core_->listener(), SOMAXCONN);
  return bound;
}

bool HttplibAdapter::accept_until_stopped() {
  const bool ok = core_->listen_after_bind();
  accept_loop_ended_ = true;
  return ok;
}

void HttplibAdapter::stop_accepting() {
  if (accept_loop_ended_) return;
  core_->stop();  // closes the listening socket, which ends a running accept loop
  // stop() does nothing before the accept loop has started; a listening socket that is shut
  // down ends that loop as soon as it starts, so an early stop cannot hang the accept loop.
  const socket_t listener = core_->listener();
  if (listener != INVALID_SOCKET) ::shutdown(listener, SHUT_RDWR);
}

ServedRequest HttplibAdapter::serve(Connection& c, bool last) {
  bool client_closes = false;
  ConnectionStream stream(c);
  const bool handled = core_->serve_request(stream, last, client_closes);
  return {.keep_open = handled && !client_closes, .status = stream.status()};
}

}  // namespace opsagent::http
