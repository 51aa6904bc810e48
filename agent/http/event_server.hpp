// cpp-httplib with event-driven waiting. cpp-httplib 0.11 gives every connection a worker
// thread for its whole keep-alive life, so as many idle keep-alive clients, or clients that
// send a request a byte at a time (slowloris), as there are workers stop all answers. Here a
// connection waits in epoll, not on a thread: a worker takes it only once a whole request head
// has arrived, checks the head's framing (guard_head: malformed or ambiguous framing is refused
// with 400, a Range with 416, before anything else reads the request), serves it with
// cpp-httplib's own parser, router and response writer (Server::process_request) into the
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
// Routes, handlers and timeouts are set with cpp-httplib's own setters. A direct route
// (direct_get) answers the plainest GET/HEAD of its path without cpp-httplib's parser and
// writer (see direct_route.hpp); every other request of that path still reaches the routes.
// Thread-safety: configure before serve(); shutdown() from any thread; handlers run on the
// worker threads concurrently.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "agent/http/connection.hpp"
#include "agent/http/connection_stats.hpp"
#include "agent/http/direct_route.hpp"

namespace opsagent::http {

class EventServer : public httplib::Server {
 public:
  EventServer(std::size_t workers, std::size_t max_connections);
  ~EventServer() override;
  EventServer(const EventServer&) = delete;
  EventServer& operator=(const EventServer&) = delete;

  // Binds the listening socket (port 0: any free port). The bound port, or -1 with errno set.
  int bind_listener(const std::string& host, int port);
  // Runs the accept loop on the calling thread and the workers beside it until shutdown();
  // returns after every worker has finished its request and every connection is closed.
  // False if the accept loop ended on an error.
  bool serve();
  // Stops accepting and ends serve(). Requests being served are finished first.
  void shutdown();

  ConnectionStats stats() const;

  // std::nullopt: serve this request through cpp-httplib's routes after all.
  using DirectHandler = std::function<std::optional<DirectAnswer>(const DirectRequest&)>;
  // Before serve(). The path must also have a cpp-httplib route, for the requests the direct
  // path leaves to it (other headers, a query, HTTP/1.0, ...), answering the same way.
  void direct_get(std::string path, DirectHandler handler);

 private:
  // cpp-httplib calls this, through the task queue, for every accepted socket.
  bool process_and_close_socket(int sock) override;

  void adopt(int fd);
  void stop_workers();      // wakes every worker to finish its request and exit
  void work(bool sweeper);  // the first worker also closes expired connections
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
  // Answers the complete head at the front of c.buffer if a direct route takes it. nullopt:
  // not taken; otherwise whether the connection stays open.
  std::optional<bool> serve_direct(Connection& c, bool last);
  void sweep(SteadyClock::time_point now);
  // Under mutex_: removes the connection from epoll and the table, closes its socket.
  void close_locked(std::uint64_t id);
  bool evict_longest_waiting_locked();

  const std::size_t worker_count_;
  const std::size_t max_connections_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd in the epoll set: written once to wake every worker on shutdown
  std::atomic<bool> stopping_{false};
  std::atomic<bool> accept_loop_ended_{false};
  std::vector<std::thread> workers_;
  std::vector<std::pair<std::string, DirectHandler>> direct_routes_;

  mutable std::mutex mutex_;  // guards connections_, next_id_ and the counters below
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections_;
  std::uint64_t next_id_ = 1;
  ConnectionStats counters_;
};

}  // namespace opsagent::http
