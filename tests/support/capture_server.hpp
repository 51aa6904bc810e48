// A local HTTP server that stands in for an alert receiver (webhook, Slack, PagerDuty): it
// records every request and answers with scripted statuses, or hangs. Runs in the test process
// on 127.0.0.1 and a free port. Thread-safety: all members are safe to call from any thread.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace opsagent::testing {

class CaptureServer {
 public:
  struct Request {
    std::string method;
    std::string path;
    httplib::Headers headers;
    std::string body;
    std::chrono::steady_clock::time_point at;
    std::string header(const std::string& name) const {
      const auto it = headers.find(name);
      return it == headers.end() ? std::string() : it->second;
    }
  };
  struct Response {
    int status = 200;
    httplib::Headers headers = {};
  };

  CaptureServer();
  ~CaptureServer();  // releases hanging requests, stops, joins
  CaptureServer(const CaptureServer&) = delete;
  CaptureServer& operator=(const CaptureServer&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const;

  // The next requests get these answers, in order; after them, 200.
  void respond_with(std::vector<Response> responses);
  // While true, requests are recorded and then held without an answer (until set false or the
  // server is destroyed): a receiver that hangs.
  void hang(bool on);

  std::vector<Request> requests() const;
  // Waits until `done(requests())` holds; false at the timeout.
  bool wait_until(const std::function<bool(const std::vector<Request>&)>& done,
                  std::chrono::milliseconds timeout) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  std::vector<Request> requests_;
  std::deque<Response> responses_;
  bool hang_ = false;
  bool stopping_ = false;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace opsagent::testing
