// Ends an httplib request when its deadline passes. httplib's timeouts apply to each connect,
// send and recv: a peer trickling its answer a byte at a time would get past them.
// httplib::ClientImpl::stop() is the one call it supports from another thread while a request
// runs; while httplib is resolving the name, connecting or doing the TLS handshake it holds its
// socket lock and stop() waits for that to end (bounded by the connect timeout per step), so the
// watchdog keeps calling it until the request returns. Used by alert delivery and the upstream
// probes. Thread-safety: one watchdog per request; it runs one thread of its own.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/clock.hpp"

namespace httplib {
class ClientImpl;  // <httplib.h>
}

namespace opsagent::probes {

class RequestWatchdog {
 public:
  // Watches `client` until `deadline` or destruction, whichever comes first.
  RequestWatchdog(httplib::ClientImpl& client, SteadyClock::time_point deadline);
  RequestWatchdog(const RequestWatchdog&) = delete;
  RequestWatchdog& operator=(const RequestWatchdog&) = delete;
  ~RequestWatchdog();  // once the request has returned: stops and joins the thread
  // Whether the deadline passed and the watchdog cut the request.
  bool fired() const;

 private:
  void run(SteadyClock::time_point deadline);

  httplib::ClientImpl& client_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace opsagent::probes
