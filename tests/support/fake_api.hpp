// A local HTTP server standing in for an upstream API (the reference app's SODA data API): it
// answers every GET with the status the test sets, as slowly as the test says, fails on command,
// and counts requests. Runs in the test process on 127.0.0.1 and a free port. Thread-safety: all
// members are safe to call from any thread.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace opsagent::testing {

class FakeApi {
 public:
  FakeApi();
  ~FakeApi();  // stops and joins
  FakeApi(const FakeApi&) = delete;
  FakeApi& operator=(const FakeApi&) = delete;

  // Every following GET is answered with `status` (200 at first).
  void answer(int status) { status_.store(status); }
  // Every following answer takes at least `delay` (the API's latency as the agent measures it).
  void answer_after(std::chrono::milliseconds delay) { delay_ms_.store(delay.count()); }
  int requests() const { return requests_.load(); }
  std::string url(const std::string& path = "/resource/ydr8-5enu.json") const;

 private:
  std::atomic<int> status_{200};
  std::atomic<int> requests_{0};
  std::atomic<std::chrono::milliseconds::rep> delay_ms_{0};
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace opsagent::testing
