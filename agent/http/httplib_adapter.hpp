// The one place that reaches past cpp-httplib's documented API. The event server keeps
// connections in epoll and serves each complete request with cpp-httplib's own parser, router
// and response writer; cpp-httplib 0.11 offers no public way to do that (its Server owns the
// accept loop and blocks one worker per connection for its whole keep-alive life), so this pair
// of files, and nothing else, uses three of its non-public parts:
//   - Server::process_and_close_socket (private virtual): overridden to hand every accepted
//     socket to the event server instead of serving it on a blocking worker;
//   - Server::process_request (protected), through an httplib::Stream of our own: serves one
//     request from the bytes the event server already read into the connection's buffer, and
//     writes the answer into the connection's output buffer;
//   - Server::svr_sock_ (protected): the listening socket, to listen again with a larger
//     backlog (0.11 listens with 5) and to shut it down before the accept loop has started.
// Everything else (routes, handlers, socket options, bind, listen, stop) is cpp-httplib's public
// API, used through server(). The version is pinned (static_assert in the .cpp): see there for
// what to re-check on an upgrade.
// Thread-safety: configure server() before accept_until_stopped(); serve() runs on many threads
// at once, each with a Connection of its own (cpp-httplib's own workers run process_request
// concurrently too); stop_accepting() from any thread.
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "agent/http/connection.hpp"

namespace opsagent::http {

// What serving one request through cpp-httplib left behind.
struct ServedRequest {
  bool keep_open = false;  // handled, and neither side asked to close the connection
  int status = 0;          // of the final response (interim 1xx not counted); 0: none written
};

class HttplibAdapter {
 public:
  // Runs on cpp-httplib's accept thread for every accepted socket, which it then owns; must not
  // block (it would stall accepting).
  using AcceptHandler = std::function<void(int fd)>;

  explicit HttplibAdapter(AcceptHandler on_accept);
  ~HttplibAdapter();
  HttplibAdapter(const HttplibAdapter&) = delete;
  HttplibAdapter& operator=(const HttplibAdapter&) = delete;

  // cpp-httplib's public API: routes, handlers, keep-alive settings, socket options, payload.
  httplib::Server& server();

  // Binds the listening socket (port 0: any free port) with a SOMAXCONN backlog. The bound
  // port, or -1 with errno set.
  int bind_listener(const std::string& host, int port);
  // cpp-httplib's accept loop on the calling thread, until stop_accepting(). False on an error.
  bool accept_until_stopped();
  // Ends the accept loop, also one that has not started yet (it then ends as soon as it starts).
  void stop_accepting();

  // Serves the request whose complete head starts c.buffer: consumes its bytes from c.buffer
  // and appends the answer to c.out. `last`: the answer closes the connection.
  ServedRequest serve(Connection& c, bool last);

 private:
  class Core;  // the httplib::Server subclass; defined in the .cpp
  std::unique_ptr<Core> core_;
  std::atomic<bool> accept_loop_ended_{false};  // its socket is closed: do not touch that number
};

}  // namespace opsagent::http
