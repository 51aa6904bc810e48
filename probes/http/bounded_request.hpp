// One HTTP request that ends by its deadline as a whole, for alert delivery and the upstream
// probes. httplib's timeouts apply to each connect, send and recv: a peer trickling its answer
// a byte at a time would get past them. So a watchdog thread calls httplib::ClientImpl::stop()
// (the one call httplib supports from another thread while a request runs) once the deadline has
// passed; while httplib is resolving the name, connecting or doing the TLS handshake it holds its
// socket lock and stop() waits for that to end (bounded by the connect timeout per step), so the
// watchdog keeps calling it until the request returns. The answer's body is read and discarded.
// Thread-safety: reentrant; each request has its own client and watchdog thread.
#pragma once

#include <httplib.h>

#include <chrono>
#include <memory>

#include "common/clock.hpp"
#include "config/syntax/http_url.hpp"

namespace opsagent::probes {

// A client for `url` (https: an SSLClient, which verifies the certificate and the name) that
// connects within `connect_timeout`, waits at most `io_timeout` for each read and write, and
// neither keeps the connection alive nor follows redirects.
std::unique_ptr<httplib::ClientImpl> make_client(const config::HttpUrl& url,
                                                 std::chrono::milliseconds connect_timeout,
                                                 std::chrono::milliseconds io_timeout);

struct BoundedReply {
  bool answered = false;  // `response` holds the answer
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;  // when not answered
  bool cut = false;  // the deadline passed and the watchdog ended the request
  std::chrono::steady_clock::duration elapsed{};
};

// Sends `request` (its body, if any, is discarded as it arrives) and ends it at `deadline`.
BoundedReply send_bounded(httplib::ClientImpl& client, httplib::Request request, Deadline deadline);

}  // namespace opsagent::probes
