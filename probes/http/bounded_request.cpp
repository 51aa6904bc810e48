#include "probes/http/bounded_request.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace opsagent::probes {

namespace {

// Calls client.stop() from the deadline on until the request has returned (see the header).
class RequestWatchdog {
 public:
  RequestWatchdog(httplib::ClientImpl& client, SteadyClock::time_point deadline)
      : client_(client), thread_([this, deadline] { run(deadline); }) {}
  RequestWatchdog(const RequestWatchdog&) = delete;
  RequestWatchdog& operator=(const RequestWatchdog&) = delete;
  ~RequestWatchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool fired() const {
    std::lock_guard lock(mutex_);
    return fired_;
  }

 private:
  void run(SteadyClock::time_point deadline) {
    std::unique_lock lock(mutex_);
    if (cv_.wait_until(lock, deadline, [this] { return done_; })) return;
    fired_ = true;
    while (!done_) {
      lock.unlock();
      client_.stop();
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return done_; });
    }
  }

  httplib::ClientImpl& client_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace

std::unique_ptr<httplib::ClientImpl> make_client(const config::HttpUrl& url,
                                                 std::chrono::milliseconds connect_timeout,
                                                 std::chrono::milliseconds io_timeout) {
  std::unique_ptr<httplib::ClientImpl> client;
  if (url.https) {
    client = std::make_unique<httplib::SSLClient>(url.host, url.port);
  } else {
    client = std::make_unique<httplib::ClientImpl>(url.host, url.port);
  }
  client->set_connection_timeout(connect_timeout);
  client->set_read_timeout(io_timeout);
  client->set_write_timeout(io_timeout);
  client->set_keep_alive(false);
  // A redirect is an answer: it must not carry a body (or a key) elsewhere, and a probe
  // compares its status like any other.
  client->set_follow_location(false);
  return client;
}

BoundedReply send_bounded(httplib::ClientImpl& client, httplib::Request request,
                          Deadline deadline) {
  // The answer's body is not used: discard it as it arrives, whatever its size.
  request.content_receiver = [](const char*, std::size_t, std::uint64_t, std::uint64_t) {
    return true;
  };
  BoundedReply reply;
  const auto start = SteadyClock::now();
  {
    RequestWatchdog watchdog(client, deadline);
    reply.answered = client.send(request, reply.response, reply.error);
    reply.cut = watchdog.fired();
  }
  reply.elapsed = SteadyClock::now() - start;
  return reply;
}

}  // namespace opsagent::probes
