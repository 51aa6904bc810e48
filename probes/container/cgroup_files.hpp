// Finding and reading the container's cgroup: which directory holds the process's own cgroup
// (from /proc/self/cgroup and /proc/self/mountinfo, or [container].cgroup_root), and one
// CgroupReading from its files, v2 (cpu.max, cpu.stat, memory.current, memory.max, memory.stat,
// memory.events) or v1 (the cpu, cpuacct and memory controllers' files). A file that cannot be
// read is a problem named by its path in the reading, never an exception.
// Thread-safety: functions of their arguments and the file system.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "probes/model/container_model.hpp"

namespace opsagent::probes {

// Where one cgroup's files are. v2: `dir` only. v1: one directory per controller.
struct CgroupLocation {
  int version = 2;
  std::string dir;  // v2
  std::string cpu_dir;
  std::string cpuacct_dir;
  std::string memory_dir;
  bool operator==(const CgroupLocation&) const = default;

  // The directory named in messages: v2's, or v1's memory controller's.
  const std::string& shown() const { return version == 1 ? memory_dir : dir; }
};

// The process's own cgroup from the text of /proc/self/cgroup and /proc/self/mountinfo. v1
// controllers win over the unified hierarchy on a hybrid machine (that is where the limits
// are). Inside a container the cgroup's own directory is usually mounted as the root of the
// hierarchy: a path outside the mount's root then means the mount point itself.
std::expected<CgroupLocation, std::string> locate_cgroup(std::string_view proc_cgroup,
                                                         std::string_view mountinfo);

// [container].cgroup_root: a v2 cgroup directory (it has cgroup.controllers or cpu.stat), or a
// directory holding the v1 controllers' directories (cpu, cpuacct, memory; "cpu,cpuacct" too).
std::expected<CgroupLocation, std::string> cgroup_at(const std::string& root);

// The cgroup to read: `root` when set, else the process's own.
std::expected<CgroupLocation, std::string> find_cgroup(const std::string& root);

// One reading of the files at `where`; SteadyClock::now() as its time.
CgroupReading read_cgroup(const CgroupLocation& where);

}  // namespace opsagent::probes
