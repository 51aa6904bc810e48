// cpp-httplib with event-driven waiting. cpp-httplib 0.11 gives every connection a worker
// thread for its whole keep-alive life, so as many idle keep-alive clients, or clients that
// send a request a byte at a time (slowloris), as there are workers stop all answers. Here a
// connection waits in epoll, not on a thread: a worker takes it only once a whole request head
// has arrived, checks the head's framing (guard_head: malformed or ambiguous framing is refused
// with 400, a Range with 416, before anything else reads the request), serves it with
// cpp-httplib's own parser, router and response writer (through httplib_adapter.hpp) into the
// connection's output buffer, sends what the socket takes at once, and hands the connection
// back. A worker never waits for a client, so no client can hold one:
//   - threads: the fixed worker pool plus cpp-httplib's accept thread, whatever the clients do;
//   - file descriptors: at most `max_connections` client sockets; when full, the connection
//     that has waited longest is closed to admit the new one;
//   - waiting has deadlines: an idle keep-alive connection is closed after cpp-httplib's
//     keep-alive timeout, a request head must be complete within the read timeout of its first
//     byte (else 408), a head larger than kMaxHeadBytes gets 431, and an answer the client does
//     not take is dropped with its connection at the write timeout (it waits for EPOLLOUT in
//     the meantime, and the connection's next request waits for it);
//   - framing is never guessed: after a 4xx, or a request that announced a body, the
//     connection is closed, so no bytes of one request are ever read as another.
// Routes and handlers are set with cpp-httplib's own API (routes()); the limits above are the
// event server's (ServerLimits). Every use of cpp-httplib beyond its public API is in
// httplib_adapter.hpp.
// Thread-safety: configure before serve(); shutdown() from any thread; handlers run on the
// worker threads concurrently.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "agent/http/connection.hpp"
#include "agent/http/connection_stats.hpp"
#include "agent/http/httplib_adapter.hpp"

namespace opsagent::http {

struct ServerLimits {
  std::size_t workers = 4;                             // threads serving requests
  std::size_t max_connections = 512;                   // client sockets held at once
  std::size_t keep_alive_max_count = 5;                // requests per connection
  std::chrono::seconds keep_alive_timeout{5};          // an idle connection is closed after it
  std::chrono::microseconds read_timeout{5'000'000};   // a started head must be complete
  std::chrono::microseconds write_timeout{5'000'000};  // an answer must be taken within
};

class EventServer {
 public:
  // Throws std::invalid_argument without a worker or a connection.
  explicit EventServer(const ServerLimits& limits);
  ~EventServer();
  EventServer(const EventServer&) = delete;
  EventServer& operator=(const EventServer&) = delete;

  // cpp-httplib's public API: routes, handlers, socket options, payload limit. The keep-alive
  // settings are the ServerLimits' (set here for its Keep-Alive header): do not change them.
  httplib::Server& routes() { return httplib_.server(); }

  // Binds the listening socket (port 0: any free port). The bound port, or -1 with errno set.
  int bind_listener(const std::string& host, int port);
  // Runs the accept loop on the calling thread and the workers beside it until shutdown();
  // returns after every worker has finished its request and every connection is closed.
  // False if the accept loop ended on an error.
  bool serve();
  // Stops accepting and ends serve(). Requests being served are finished first.
  void shutdown();

  ConnectionStats stats() const;

 private:
  // Takes an accepted socket (on cpp-httplib's accept thread) into the epoll set.
  void adopt(int fd);
  void stop_workers();  // wakes every worker to finish its request and exit
  void work();          // a worker: serves ready connections and sweep timer ticks
  // What a connection waits for after a worker is done with it: its next request, its socket
  // taking the rest of an answer, or (kYield) its turn to serve the next pipelined request.
  enum class Next { kRead, kWrite, kYield, kClose };
  // Sends what is pending, reads what arrived and serves the first complete request in the
  // buffer.
  Next serve_ready(Connection& c);
  // Queues a final error answer the server writes itself (431, or guard_head's refusal); the
  // connection closes once it is sent.
  Next refuse(Connection& c, int status, std::string_view error);
  // After an answer was queued: send it, and say what to wait for.
  Next after_answer(Connection& c);
  void sweep(SteadyClock::time_point now);
  // A sweep timer tick (on one worker): sweeps, and stops the timer once no connection is open.
  void on_sweep_timer();
  // Under mutex_: starts (every kSweepEvery) or stops the sweep timer.
  void set_sweep_timer_locked(bool on);
  // Under mutex_: removes the connection from epoll and the table, closes its socket.
  void close_locked(std::uint64_t id);
  bool evict_longest_waiting_locked();

  const ServerLimits limits_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;   // eventfd in the epoll set: written once to wake every worker on shutdown
  int sweep_fd_ = -1;  // timerfd in the epoll set (one-shot): ticks while connections are open
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> workers_;

  mutable std::mutex mutex_;  // guards connections_, next_id_, sweep_armed_ and the counters
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections_;
  std::uint64_t next_id_ = 1;
  bool sweep_armed_ = false;
  ConnectionStats counters_;

  // Last: its accept thread calls adopt(), which uses everything above.
  HttplibAdapter httplib_{[this](int fd) { adopt(fd); }};
};

}  // namespace opsagent::http
