#include "probes/container/container_sampler.hpp"

#include <optional>

#include <spdlog/spdlog.h>

#include "probes/container/cgroup_files.hpp"
#include "probes/container/process_tree.hpp"

namespace opsagent::probes {

ContainerSampler::ContainerSampler() = default;

ContainerSampler::~ContainerSampler() {
  stop();
}

void ContainerSampler::sync(const config::ContainerSection& section) {
  {
    std::lock_guard lock(mutex_);
    section_ = section;
    changed_ = true;
    if (!thread_.joinable() && !stopping_) thread_ = std::thread([this] { run(); });
  }
  cv_.notify_all();
}

void ContainerSampler::set_app_pid(int pid) {
  app_pid_.store(pid);
}

void ContainerSampler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ContainerSampler::run() {
  ContainerMemory memory;
  std::optional<CgroupLocation> where;
  std::string where_for;  // the cgroup_root `where` was found for
  std::string why;        // why no cgroup was found
  std::string logged;     // the problems last logged, so each is logged once
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto section = section_;
    const bool changed = std::exchange(changed_, false);
    lock.unlock();
    if (!section.enabled) {
      auto off = std::make_shared<ContainerStatus>();
      off->read_at = WallClock::now();
      status_.set(std::move(off));
      memory = {};
      where.reset();
    } else {
      if (changed && where && where_for != section.cgroup_root) where.reset();
      if (!where) {
        auto found = find_cgroup(section.cgroup_root);
        where_for = section.cgroup_root;
        if (found) {
          where = *found;
          spdlog::info("container: reading cgroup v{} at {}", where->version, where->shown());
        } else if (found.error() != why) {
          spdlog::warn("container: no cgroup to read: {}", found.error());
        }
        why = found ? "" : found.error();
      }
      std::optional<CgroupReading> reading;
      if (where) reading = read_cgroup(*where);
      const auto tree = read_process_tree(app_pid_.load());
      auto s = std::make_shared<ContainerStatus>(
          container_status(reading, why, tree, section, memory, WallClock::now()));
      if (where && s->note != logged && !s->note.empty()) {
        spdlog::warn("container: {}", s->note);
      }
      logged = s->note;
      status_.set(std::move(s));
    }
    lock.lock();
    cv_.wait_for(lock, section.interval, [this] { return stopping_ || changed_; });
  }
}

}  // namespace opsagent::probes
