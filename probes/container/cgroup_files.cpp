#include "probes/container/cgroup_files.hpp"

#include <filesystem>
#include <map>
#include <vector>

#include "common/bounded_file.hpp"

namespace opsagent::probes {
namespace {

namespace fs = std::filesystem;

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto at = text.find(sep);
    out.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

std::vector<std::string_view> lines(std::string_view text) {
  auto out = split(text, '\n');
  std::erase_if(out, [](std::string_view l) { return l.empty(); });
  return out;
}

// The cgroup's directory below a hierarchy mounted at `mount_point` whose root is `mount_root`.
std::string join_mount(std::string_view mount_point, std::string_view mount_root,
                       std::string_view path) {
  std::string_view rest;
  if (mount_root == "/") {
    rest = path;
  } else if (path.starts_with(mount_root) &&
             (path.size() == mount_root.size() || path[mount_root.size()] == '/')) {
    rest = path.substr(mount_root.size());
  }  // else: a namespaced mount of the cgroup itself; the mount point is the cgroup
  std::string out(mount_point);
  if (!rest.empty() && rest != "/") out += rest;
  return out;
}

struct Mount {
  std::string_view root;
  std::string_view point;
  std::string_view type;
  std::string_view super_options;
};

std::vector<Mount> cgroup_mounts(std::string_view mountinfo) {
  std::vector<Mount> out;
  for (const auto line : lines(mountinfo)) {
    const auto fields = split(line, ' ');
    // id parent major:minor root mount_point options [optional...] - type source super_options
    std::size_t dash = 0;
    for (std::size_t i = 6; i < fields.size(); ++i) {
      if (fields[i] == "-") {
        dash = i;
        break;
      }
    }
    if (dash == 0 || dash + 2 >= fields.size()) continue;
    const auto type = fields[dash + 1];
    if (type != "cgroup" && type != "cgroup2") continue;
    out.push_back(Mount{.root = fields[3],
                        .point = fields[4],
                        .type = type,
                        .super_options = dash + 3 < fields.size() ? fields[dash + 3] : ""});
  }
  return out;
}

bool has_option(std::string_view options, std::string_view name) {
  for (const auto o : split(options, ',')) {
    if (o == name) return true;
  }
  return false;
}

std::expected<std::string, std::string> read_small(const std::string& path) {
  constexpr std::size_t kMax = std::size_t{64} * 1024;  // memory.stat is the largest, a few KiB
  auto text = common::read_bounded_file(path, kMax);
  if (!text) return std::unexpected(path + ": " + text.error().message);
  return std::move(*text);
}

// Reads `file` below `dir` into `out` with `parse`; a file that is absent and `optional` is
// left alone, any other problem is noted.
template <class Parse>
void read_into(CgroupReading& r, const std::string& dir, std::string_view file, bool optional,
               Parse parse) {
  const std::string path = dir + "/" + std::string(file);
  std::error_code ec;
  if (optional && !fs::exists(path, ec)) return;
  auto text = read_small(path);
  if (!text) {
    r.problems.push_back(text.error());
    return;
  }
  if (auto problem = parse(*text); !problem.empty()) r.problems.push_back(path + ": " + problem);
}

// One value parsed from a whole file into `out`.
template <class T, class Parse>
void read_value(CgroupReading& r, const std::string& dir, std::string_view file, bool optional,
                Parse parse, T& out) {
  read_into(r, dir, file, optional, [&](const std::string& text) -> std::string {
    auto v = parse(text);
    if (!v) return v.error();
    out = *v;
    return {};
  });
}

using Keyed = std::map<std::string, std::uint64_t, std::less<>>;

std::uint64_t keyed_or_zero(const Keyed& values, std::string_view key) {
  const auto it = values.find(key);
  return it == values.end() ? 0 : it->second;
}

void read_v2(CgroupReading& r, const std::string& dir) {
  read_into(r, dir, "cpu.stat", false, [&](const std::string& t) {
    const auto stat = parse_flat_keyed(t);
    const auto get = [&](std::string_view k) { return keyed_or_zero(stat, k); };
    if (!stat.contains("usage_usec")) return std::string("no usage_usec line");
    r.cpu_usage_ns = get("usage_usec") * 1000;
    r.cpu_periods = get("nr_periods");
    r.cpu_throttled_periods = get("nr_throttled");
    r.cpu_throttled_ns = get("throttled_usec") * 1000;
    return std::string();
  });
  // The root cgroup has neither cpu.max nor memory.max: no quota, no limit.
  read_value(r, dir, "cpu.max", true, parse_cpu_max, r.cpu_quota_cores);
  read_value(r, dir, "memory.current", false, parse_cgroup_number, r.memory_usage_bytes);
  read_value(r, dir, "memory.max", true, parse_memory_limit, r.memory_limit_bytes);
  read_into(r, dir, "memory.stat", true, [&](const std::string& t) {
    const auto stat = parse_flat_keyed(t);
    if (auto it = stat.find("inactive_file"); it != stat.end()) {
      r.memory_inactive_file_bytes = it->second;
    }
    return std::string();
  });
  read_into(r, dir, "memory.events", true, [&](const std::string& t) {
    const auto events = parse_flat_keyed(t);
    if (auto it = events.find("oom_kill"); it != events.end()) r.oom_kills = it->second;
    return std::string();
  });
}

void read_v1(CgroupReading& r, const CgroupLocation& where) {
  read_value(r, where.cpuacct_dir, "cpuacct.usage", false, parse_cgroup_number, r.cpu_usage_ns);
  const std::string quota_path = where.cpu_dir + "/cpu.cfs_quota_us";
  std::error_code ec;
  if (fs::exists(quota_path, ec)) {
    auto quota = read_small(quota_path);
    auto period = read_small(where.cpu_dir + "/cpu.cfs_period_us");
    if (!quota) {
      r.problems.push_back(quota.error());
    } else if (!period) {
      r.problems.push_back(period.error());
    } else if (auto q = parse_cfs_quota(*quota, *period); !q) {
      r.problems.push_back(quota_path + ": " + q.error());
    } else {
      r.cpu_quota_cores = *q;
    }
  }
  read_into(r, where.cpu_dir, "cpu.stat", true, [&](const std::string& t) {
    const auto stat = parse_flat_keyed(t);
    const auto get = [&](std::string_view k) { return keyed_or_zero(stat, k); };
    r.cpu_periods = get("nr_periods");
    r.cpu_throttled_periods = get("nr_throttled");
    r.cpu_throttled_ns = get("throttled_time");
    return std::string();
  });
  const auto& mem = where.memory_dir;
  read_value(r, mem, "memory.usage_in_bytes", false, parse_cgroup_number, r.memory_usage_bytes);
  read_value(r, mem, "memory.limit_in_bytes", true, parse_memory_limit, r.memory_limit_bytes);
  read_into(r, mem, "memory.stat", true, [&](const std::string& t) {
    const auto stat = parse_flat_keyed(t);
    // The limit in force includes the ancestors' (a limit set on a parent cgroup).
    if (auto it = stat.find("hierarchical_memory_limit");
        it != stat.end() && it->second < kUnlimitedMemory &&
        (!r.memory_limit_bytes || it->second < *r.memory_limit_bytes)) {
      r.memory_limit_bytes = it->second;
    }
    if (auto it = stat.find("total_inactive_file"); it != stat.end()) {
      r.memory_inactive_file_bytes = it->second;
    } else if (auto own = stat.find("inactive_file"); own != stat.end()) {
      r.memory_inactive_file_bytes = own->second;
    }
    return std::string();
  });
  // oom_kill is in memory.oom_control from Linux 4.13.
  read_into(r, mem, "memory.oom_control", true, [&](const std::string& t) {
    const auto control = parse_flat_keyed(t);
    if (auto it = control.find("oom_kill"); it != control.end()) r.oom_kills = it->second;
    return std::string();
  });
}

bool is_dir(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

}  // namespace

std::expected<CgroupLocation, std::string> locate_cgroup(std::string_view proc_cgroup,
                                                         std::string_view mountinfo) {
  std::string_view unified_path;
  bool unified = false;
  std::string_view cpu_path;
  std::string_view cpuacct_path;
  std::string_view memory_path;
  for (const auto line : lines(proc_cgroup)) {
    const auto first = line.find(':');
    const auto second = line.find(':', first == std::string_view::npos ? 0 : first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) continue;
    const auto controllers = line.substr(first + 1, second - first - 1);
    const auto path = line.substr(second + 1);
    if (line.substr(0, first) == "0" && controllers.empty()) {
      unified = true;
      unified_path = path;
    }
    for (const auto c : split(controllers, ',')) {
      if (c == "cpu") cpu_path = path;
      if (c == "cpuacct") cpuacct_path = path;
      if (c == "memory") memory_path = path;
    }
  }
  const auto mounts = cgroup_mounts(mountinfo);
  if (!memory_path.empty()) {
    CgroupLocation out;
    out.version = 1;
    for (const auto& m : mounts) {
      if (m.type != "cgroup") continue;
      if (has_option(m.super_options, "memory")) {
        out.memory_dir = join_mount(m.point, m.root, memory_path);
      }
      if (has_option(m.super_options, "cpu")) out.cpu_dir = join_mount(m.point, m.root, cpu_path);
      if (has_option(m.super_options, "cpuacct")) {
        out.cpuacct_dir = join_mount(m.point, m.root, cpuacct_path);
      }
    }
    if (out.memory_dir.empty()) {
      return std::unexpected(
          "/proc/self/cgroup names a v1 memory cgroup, but "
          "/proc/self/mountinfo shows no cgroup mount with the memory "
          "controller");
    }
    return out;
  }
  if (unified) {
    for (const auto& m : mounts) {
      if (m.type != "cgroup2") continue;
      CgroupLocation out;
      out.version = 2;
      out.dir = join_mount(m.point, m.root, unified_path);
      return out;
    }
    return std::unexpected(
        "/proc/self/cgroup names a cgroup v2, but /proc/self/mountinfo shows no cgroup2 mount");
  }
  return std::unexpected("no cgroup with a memory controller in /proc/self/cgroup");
}

std::expected<CgroupLocation, std::string> cgroup_at(const std::string& root) {
  if (!is_dir(root)) return std::unexpected(root + ": not a directory");
  if (exists(root + "/cgroup.controllers") || exists(root + "/cpu.stat")) {
    CgroupLocation out;
    out.version = 2;
    out.dir = root;
    return out;
  }
  const auto controller = [&](std::string_view name) -> std::string {
    for (const auto& candidate : {std::string(name), std::string("cpu,cpuacct")}) {
      if (is_dir(root + "/" + candidate)) return root + "/" + candidate;
    }
    return {};
  };
  CgroupLocation out;
  out.version = 1;
  out.memory_dir = is_dir(root + "/memory") ? root + "/memory" : "";
  out.cpu_dir = controller("cpu");
  out.cpuacct_dir = controller("cpuacct");
  if (out.memory_dir.empty() || out.cpuacct_dir.empty()) {
    return std::unexpected(root +
                           ": neither a cgroup v2 directory (no cgroup.controllers or cpu.stat) "
                           "nor a v1 hierarchy (no memory and cpuacct directories)");
  }
  return out;
}

std::expected<CgroupLocation, std::string> find_cgroup(const std::string& root) {
  if (!root.empty()) return cgroup_at(root);
  auto own = read_small("/proc/self/cgroup");
  if (!own) return std::unexpected(own.error() + " (no cgroups on this system?)");
  auto mountinfo = read_small("/proc/self/mountinfo");
  if (!mountinfo) return std::unexpected(mountinfo.error());
  auto found = locate_cgroup(*own, *mountinfo);
  if (found && !is_dir(found->shown())) {
    return std::unexpected(found->shown() + ": the process's cgroup directory is not there");
  }
  return found;
}

CgroupReading read_cgroup(const CgroupLocation& where) {
  CgroupReading r;
  r.version = where.version;
  r.path = where.shown();
  if (where.version == 1) {
    read_v1(r, where);
  } else {
    read_v2(r, where.dir);
  }
  r.at = SteadyClock::now();
  return r;
}

}  // namespace opsagent::probes
