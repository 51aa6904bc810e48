// Where the probe loop publishes Snapshots and everyone else reads the latest one.
// Thread-safety: all members are safe to call concurrently. Readers hold a shared_ptr to an
// immutable Snapshot, so a publish never changes what a reader is rendering.
#pragma once

#include <memory>
#include <mutex>

#include "probes/snapshot.hpp"

namespace opsagent::probes {

class SnapshotStore {
 public:
  // nullptr until the first cycle completes.
  std::shared_ptr<const Snapshot> latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
  }
  void publish(std::shared_ptr<const Snapshot> snapshot) {
    std::lock_guard lock(mutex_);
    latest_ = std::move(snapshot);
  }

 private:
  // A mutex, not atomic<shared_ptr>: the critical section is a refcount bump, and it keeps
  // ThreadSanitizer builds free of false reports.
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> latest_;
};

}  // namespace opsagent::probes
