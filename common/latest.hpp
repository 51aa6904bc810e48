// The latest value of something one thread replaces whole and many threads read: the config
// in force (swapped on reload), the latest Snapshot (swapped each cycle), the bearer token.
// Thread-safety: all members are safe to call concurrently. A reader keeps what it got alive
// (shared_ptr to const) for as long as it needs it, so a swap never changes what it reads.
#pragma once

#include <memory>
#include <mutex>

namespace opsagent::common {

template <class T>
class Latest {
 public:
  Latest() = default;
  explicit Latest(std::shared_ptr<const T> initial) : value_(std::move(initial)) {}

  // nullptr until the first set() when default-constructed.
  std::shared_ptr<const T> get() const {
    std::lock_guard lock(mutex_);
    return value_;
  }
  void set(std::shared_ptr<const T> next) {
    std::lock_guard lock(mutex_);
    value_ = std::move(next);
  }

 private:
  // A mutex, not atomic<shared_ptr>: the critical section is a refcount bump, and it keeps
  // ThreadSanitizer builds free of false reports.
  mutable std::mutex mutex_;
  std::shared_ptr<const T> value_;
};

}  // namespace opsagent::common
