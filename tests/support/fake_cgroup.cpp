#include "tests/support/fake_cgroup.hpp"

#include <fstream>
#include <stdexcept>

namespace opsagent::testing {
namespace {

// Written to a temporary name and renamed, so the agent never reads a half-written file.
void put(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  const auto tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, file);
}

}  // namespace

void write_cgroup_v2(const std::filesystem::path& dir, const FakeCgroupNumbers& n) {
  put(dir / "cgroup.controllers", "cpu memory pids\n");
  put(dir / "cpu.stat", "usage_usec " + std::to_string(n.cpu_usage_us) + "\nuser_usec " +
                            std::to_string(n.cpu_usage_us / 2) + "\nsystem_usec " +
                            std::to_string(n.cpu_usage_us / 2) + "\nnr_periods " +
                            std::to_string(n.nr_periods) + "\nnr_throttled " +
                            std::to_string(n.nr_throttled) + "\nthrottled_usec " +
                            std::to_string(n.throttled_us) + "\n");
  put(dir / "cpu.max", (n.cpu_quota_us ? std::to_string(*n.cpu_quota_us) : "max") + " " +
                           std::to_string(n.cpu_period_us) + "\n");
  put(dir / "memory.current", std::to_string(n.memory_bytes) + "\n");
  put(dir / "memory.max",
      (n.memory_limit_bytes ? std::to_string(*n.memory_limit_bytes) : "max") + "\n");
  put(dir / "memory.stat", "anon 1000\nfile 2000\ninactive_file " +
                               std::to_string(n.inactive_file_bytes) + "\nactive_file 0\n");
  put(dir / "memory.events", "low 0\nhigh 0\nmax 3\noom " + std::to_string(n.oom_kills) +
                                 "\noom_kill " + std::to_string(n.oom_kills) + "\n");
}

void write_cgroup_v1(const std::filesystem::path& root, const FakeCgroupNumbers& n) {
  put(root / "cpuacct" / "cpuacct.usage", std::to_string(n.cpu_usage_us * 1000) + "\n");
  put(root / "cpu" / "cpu.cfs_quota_us",
      (n.cpu_quota_us ? std::to_string(*n.cpu_quota_us) : "-1") + "\n");
  put(root / "cpu" / "cpu.cfs_period_us", std::to_string(n.cpu_period_us) + "\n");
  put(root / "cpu" / "cpu.stat", "nr_periods " + std::to_string(n.nr_periods) + "\nnr_throttled " +
                                     std::to_string(n.nr_throttled) + "\nthrottled_time " +
                                     std::to_string(n.throttled_us * 1000) + "\n");
  put(root / "memory" / "memory.usage_in_bytes", std::to_string(n.memory_bytes) + "\n");
  // v1 says "no limit" with the largest page-aligned signed 64-bit number.
  put(root / "memory" / "memory.limit_in_bytes",
      (n.memory_limit_bytes ? std::to_string(*n.memory_limit_bytes)
                            : std::string("9223372036854771712")) +
          "\n");
  put(root / "memory" / "memory.stat",
      "cache 2000\nrss 1000\ninactive_file 5\ntotal_inactive_file " +
          std::to_string(n.inactive_file_bytes) + "\n");
  put(root / "memory" / "memory.oom_control",
      "oom_kill_disable 0\nunder_oom 0\noom_kill " + std::to_string(n.oom_kills) + "\n");
}

}  // namespace opsagent::testing
