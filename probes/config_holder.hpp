// The config in force, swapped whole on reload. Thread-safety: all members are safe to call
// concurrently; a reader keeps the Config it got alive for as long as it needs it.
#pragma once

#include <memory>
#include <mutex>

#include "config/config.hpp"

namespace opsagent::probes {

class ConfigHolder {
 public:
  explicit ConfigHolder(std::shared_ptr<const config::Config> initial)
      : config_(std::move(initial)) {}
  std::shared_ptr<const config::Config> get() const {
    std::lock_guard lock(mutex_);
    return config_;
  }
  void set(std::shared_ptr<const config::Config> next) {
    std::lock_guard lock(mutex_);
    config_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const config::Config> config_;
};

}  // namespace opsagent::probes
