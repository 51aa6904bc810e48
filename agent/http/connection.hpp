// One client connection of the event server and the cpp-httplib Stream a worker serves one
// request through. Reads come from the bytes the server already buffered, then from the
// socket; every read and write is bounded by the request's deadline, so a client that stops
// reading or sending pins a worker for at most that long. Writes are gathered and sent by
// flush() (or once 16 KiB are pending): cpp-httplib writes the head and the body separately,
// and one send per response halves the syscalls and packets of a small answer.
// Thread-safety: a Connection is used by one thread at a time (the event server hands it over
// under its lock); a ConnectionStream lives on the worker's stack for one request.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace opsagent::agent::http {

using Clock = std::chrono::steady_clock;

struct Connection {
  int fd = -1;
  std::uint64_t id = 0;             // epoll's key; never reused, so a stale event finds nothing
  std::string buffer;               // bytes read and not yet consumed by a request
  Clock::time_point waiting_since;  // since the last response (or the accept)
  Clock::time_point first_byte_at;  // of the request being waited for; {} while idle
  std::size_t served = 0;           // requests answered on this connection
  bool busy = false;                // a worker holds it; the sweeper leaves it alone
  bool peer_closed = false;         // the client half-closed (EOF seen)
  bool discard_input = false;       // closing after a 4xx: unread bytes may follow
  // The peer's and our address, looked up on first use: cpp-httplib asks for both on every
  // request, and they do not change for the connection's life.
  std::string remote_ip;
  int remote_port = -1;
  std::string local_ip;
  int local_port = -1;
};

class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(Connection& connection, Clock::time_point deadline)
      : connection_(connection), deadline_(deadline) {}
  ~ConnectionStream() override;  // drops what the request consumed; unflushed output is lost
  ConnectionStream(const ConnectionStream&) = delete;
  ConnectionStream& operator=(const ConnectionStream&) = delete;

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return connection_.fd; }

  // Sends everything written so far; false if the socket failed or the deadline passed.
  bool flush();
  // Flushes, then sends `data` whole: false as flush().
  bool write_all(std::string_view data);

  // The status code of the response written so far (0 before its status line): a 4xx
  // leaves the connection in an unknown state (an unread body, a malformed head), so the
  // server closes it afterwards. A 503 from /health/ready is an answer like any other.
  int response_status() const { return response_status_; }

 private:
  // Waits for `events` on the socket until the deadline; true when they came.
  bool wait_for(short events) const;
  bool send_all(const char* data, std::size_t size) const;

  Connection& connection_;
  Clock::time_point deadline_;
  std::size_t consumed_ = 0;  // bytes of connection_.buffer handed to cpp-httplib
  std::string pending_;       // written, not yet sent
  int response_status_ = 0;
};

}  // namespace opsagent::agent::http
