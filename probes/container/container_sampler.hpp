// Reads the container's cgroup (and in supervise mode the app's process tree) every
// [container].interval on a thread of its own, apart from the probe cycle and the HTTP server,
// and publishes each result whole as an immutable ContainerStatus: each probe cycle copies the
// latest one into its Snapshot, so nothing on the request path ever touches a file. The cgroup
// is looked up again after a reload that changes cgroup_root, or while none was found. A file
// that cannot be read is logged once, with its path, and shown; never a crash.
// Thread-safety: sync(), set_app_pid() and status() from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "config/config.hpp"
#include "probes/model/container_model.hpp"

namespace opsagent::probes {

class ContainerSampler {
 public:
  ContainerSampler();
  ~ContainerSampler();  // stops and joins (a reading is a few small file reads)
  ContainerSampler(const ContainerSampler&) = delete;
  ContainerSampler& operator=(const ContainerSampler&) = delete;

  // Applies [container] (at start and on reload): starts the thread on first use, reads at
  // once. With enabled = false the status is Source::off and nothing is read.
  void sync(const config::ContainerSection& section);
  // The supervised app's process (0: none): its tree is read with the cgroup.
  void set_app_pid(int pid);
  int app_pid() const { return app_pid_.load(); }  // 0: none (not supervising, or between runs)
  void stop();

  // The latest status: nullptr before the first sync().
  const ContainerStatusStore& status() const { return status_; }

 private:
  void run();

  ContainerStatusStore status_;
  std::atomic<int> app_pid_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  config::ContainerSection section_;
  bool changed_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace opsagent::probes
