// A fake cgroup directory tree for tests: the files the container sampler reads, v2 (one
// directory) or v1 (cpu, cpuacct and memory controller directories), written with the numbers a
// test chooses and rewritten as it changes them. Thread-safety: use from one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace opsagent::testing {

struct FakeCgroupNumbers {
  std::uint64_t cpu_usage_us = 0;
  std::optional<std::uint64_t> cpu_quota_us;  // nullopt: no quota ("max" / -1)
  std::uint64_t cpu_period_us = 100000;
  std::uint64_t nr_periods = 0;
  std::uint64_t nr_throttled = 0;
  std::uint64_t throttled_us = 0;
  std::uint64_t memory_bytes = 0;
  std::uint64_t inactive_file_bytes = 0;
  std::optional<std::uint64_t> memory_limit_bytes;  // nullopt: no limit
  std::uint64_t oom_kills = 0;
};

// Writes `n` as cgroup v2 files into `dir` (created when missing).
void write_cgroup_v2(const std::filesystem::path& dir, const FakeCgroupNumbers& n);
// Writes `n` as cgroup v1 files below `root` (root/cpu, root/cpuacct, root/memory).
void write_cgroup_v1(const std::filesystem::path& root, const FakeCgroupNumbers& n);

}  // namespace opsagent::testing
