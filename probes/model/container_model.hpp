// The container's resources as its cgroup reports them (v2, or v1 where that is what the machine
// has): the parsers of the cgroup files' text, one reading (CgroupReading), and what the agent
// makes of two readings an interval apart (ContainerStatus): CPU use against the quota, memory
// use against the limit, OOM kills, and in supervise mode the app's process tree. The checks
// container:cpu and container:memory are judged here against [container]. A container without a
// quota or a limit is "not limited": it is never measured as a share of the host.
// The file reading itself is probes/container/. Thread-safety: plain values and pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/latest.hpp"
#include "config/config.hpp"
#include "probes/model/check_result.hpp"

namespace opsagent::probes {

// ---- the files' text ----

// A file holding one unsigned integer ("memory.current", "cpuacct.usage"), trailing newline
// allowed.
std::expected<std::uint64_t, std::string> parse_cgroup_number(std::string_view text);
// "key value" lines (cpu.stat, memory.events, memory.stat, memory.oom_control); lines that are not
// of that form are skipped.
std::map<std::string, std::uint64_t, std::less<>> parse_flat_keyed(std::string_view text);
// v2 cpu.max: "max 100000" (nullopt: no quota) or "50000 100000" (0.5 cores).
std::expected<std::optional<double>, std::string> parse_cpu_max(std::string_view text);
// v1 cpu.cfs_quota_us and cpu.cfs_period_us: quota -1 means no quota.
std::expected<std::optional<double>, std::string> parse_cfs_quota(std::string_view quota,
                                                                  std::string_view period);
// A memory limit: v2 "max", or a number; v1 reports "no limit" as a huge number near 2^63
// (9223372036854771712): anything at or above kUnlimitedMemory is no limit.
inline constexpr std::uint64_t kUnlimitedMemory = std::uint64_t{1} << 60;
std::expected<std::optional<std::uint64_t>, std::string> parse_memory_limit(std::string_view text);

// ---- one reading ----

// The numbers of one read of the cgroup, each as the kernel counts it.
struct CgroupReading {
  int version = 2;                        // 1 or 2
  std::string path;                       // the directory read (v1: the memory controller's)
  SteadyClock::time_point at;             // when it was read
  std::uint64_t cpu_usage_ns = 0;         // total CPU time of the cgroup's processes
  std::optional<double> cpu_quota_cores;  // nullopt: not limited
  std::uint64_t cpu_periods = 0;
  std::uint64_t cpu_throttled_periods = 0;
  std::uint64_t cpu_throttled_ns = 0;
  std::uint64_t memory_usage_bytes = 0;             // including page cache
  std::uint64_t memory_inactive_file_bytes = 0;     // page cache the kernel drops first
  std::optional<std::uint64_t> memory_limit_bytes;  // nullopt: not limited
  std::optional<std::uint64_t> oom_kills;           // nullopt: this kernel does not count them
  // Files that could not be read or parsed, each "path: why": the numbers they give stay 0.
  std::vector<std::string> problems;

  // What the kernel would not reclaim first: usage less inactive page cache (what kubelet and
  // `docker stats` show). Never above usage, never below 0.
  std::uint64_t memory_working_set() const;
};

// In supervise mode: the app's process and its descendants, from /proc.
struct ProcessTreeReading {
  int pid = 0;  // the app's process
  int processes = 0;
  std::uint64_t rss_bytes = 0;
  std::uint64_t cpu_ns = 0;  // utime + stime of the live processes
  SteadyClock::time_point at;
};

// ---- what two readings say ----

struct ProcessTreeStatus {
  int pid = 0;
  int processes = 0;
  std::uint64_t rss_bytes = 0;
  std::optional<double> cpu_cores;  // over the last interval; nullopt after the first reading
  bool operator==(const ProcessTreeStatus&) const = default;
};

struct ContainerStatus {
  enum class Source { off, none, v1, v2 };
  Source source = Source::off;
  std::string path;  // the cgroup directory read
  std::string note;  // Source none: why (no cgroup found, unreadable); else problems reading
  WallClock::time_point read_at;
  // CPU over the last interval: cores used, and their share of the quota (nullopt: not limited,
  // or only one reading so far).
  std::optional<double> cpu_cores_used;
  std::optional<double> cpu_quota_cores;  // nullopt: not limited
  std::optional<double> cpu_ratio;        // cpu_cores_used / cpu_quota_cores
  // How long cpu_ratio has stayed at or above [container].cpu_warn; nullopt while below.
  std::optional<std::chrono::seconds> cpu_high_for;
  std::uint64_t cpu_periods = 0;
  std::uint64_t cpu_throttled_periods = 0;
  double cpu_throttled_seconds = 0;                 // total since the cgroup began
  double cpu_usage_seconds = 0;                     // total since the cgroup began
  std::uint64_t memory_bytes = 0;                   // working set
  std::uint64_t memory_usage_bytes = 0;             // including page cache
  std::optional<std::uint64_t> memory_limit_bytes;  // nullopt: not limited
  std::optional<double> memory_ratio;               // memory_bytes / limit
  std::optional<std::uint64_t> oom_kills;
  std::optional<ProcessTreeStatus> app;  // supervise mode
  // container:cpu and container:memory as judged at the reading (none when source is off).
  std::vector<CheckResult> checks;

  bool limited_cpu() const { return cpu_quota_cores.has_value(); }
  bool limited_memory() const { return memory_limit_bytes.has_value(); }
};
std::string_view to_string(ContainerStatus::Source s);

using ContainerStatusStore = common::Latest<ContainerStatus>;

enum class ResourceLevel { ok, warn, critical };

// The state carried from one reading to the next: the previous readings and since when CPU is
// high.
struct ContainerMemory {
  std::optional<CgroupReading> last;
  std::optional<ProcessTreeReading> last_tree;
  std::optional<SteadyClock::time_point> cpu_high_since;
};

// Builds the status of `now` (nullopt: no cgroup found, with `why`), updating `memory`, and
// judges the checks against `c`.
ContainerStatus container_status(const std::optional<CgroupReading>& now, std::string_view why,
                                 const std::optional<ProcessTreeReading>& tree,
                                 const config::ContainerSection& c, ContainerMemory& memory,
                                 WallClock::time_point wall_now);

// The levels the checks and the alert rules use.
ResourceLevel cpu_level(const ContainerStatus& s, const config::ContainerSection& c);
ResourceLevel memory_level(const ContainerStatus& s, const config::ContainerSection& c);

// "512 MiB", "1.5 GiB": for the views and messages.
std::string format_bytes(std::uint64_t bytes);

}  // namespace opsagent::probes
