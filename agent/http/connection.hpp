// One client connection of the event server: the bytes read and not yet served, the answer not
// yet sent, and the deadlines that bound both. A worker never waits for a client: a request is
// served from the bytes already buffered (httplib_adapter.hpp), and its answer is gathered in
// the connection's output buffer, which send_pending() moves to the socket without blocking. What
// the socket does not take waits there for the event loop (EPOLLOUT), not on a worker, so a client
// that stops reading costs its buffered answer and a descriptor until the write deadline, never a
// thread. The connection's next request is not served before its previous answer has been sent
// whole, so one request can make the agent hold at most one answer for a client that does not read.
// Thread-safety: a Connection is used by one thread at a time (the event server hands it over
// under its lock).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace opsagent::http {

// The most output a request may leave pending; an answer that grows past it fails the request
// (the connection is closed). Far above the largest /status or /metrics page.
inline constexpr std::size_t kMaxPendingOutput = std::size_t{8} * 1024 * 1024;

struct Connection {
  int fd = -1;
  std::uint64_t id = 0;  // epoll's key; never reused, so a stale event finds nothing
  std::string buffer;    // bytes read and not yet consumed by a request
  SteadyClock::time_point waiting_since;  // since the last response (or the accept)
  SteadyClock::time_point first_byte_at;  // of the request being waited for; {} while idle
  std::size_t served = 0;                 // requests answered on this connection
  bool busy = false;                      // a worker holds it; the sweeper leaves it alone
  bool peer_closed = false;               // the client half-closed (EOF seen)
  bool discard_input = false;             // closing after a 4xx: unread bytes may follow
  // Output not yet taken by the socket: out[sent..]. While any is pending the connection
  // waits for EPOLLOUT, no request of it is served, and it is closed at write_deadline.
  std::string out;
  std::size_t sent = 0;
  SteadyClock::time_point write_deadline;
  bool close_after_write = false;  // the answer pending is the connection's last

  bool output_pending() const { return sent < out.size(); }
  // Sends as much of the pending output as the socket takes now. False: the socket failed.
  bool send_pending();
  // The peer's and our address ("" and 0 when unknown), looked up on first use: cpp-httplib
  // asks for both on every request, and they do not change for the connection's life.
  void remote_address(std::string& ip, int& port);
  void local_address(std::string& ip, int& port);

 private:
  std::string remote_ip_;
  int remote_port_ = -1;
  std::string local_ip_;
  int local_port_ = -1;
};

}  // namespace opsagent::http
