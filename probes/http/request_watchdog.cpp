#include "probes/http/request_watchdog.hpp"

#include <httplib.h>

#include <chrono>

namespace opsagent::probes {

RequestWatchdog::RequestWatchdog(httplib::ClientImpl& client, SteadyClock::time_point deadline)
    : client_(client), thread_([this, deadline] { run(deadline); }) {}

RequestWatchdog::~RequestWatchdog() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool RequestWatchdog::fired() const {
  std::lock_guard lock(mutex_);
  return fired_;
}

void RequestWatchdog::run(SteadyClock::time_point deadline) {
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

}  // namespace opsagent::probes
