#include "probes/container/process_tree.hpp"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include "common/bounded_file.hpp"

namespace opsagent::probes {
namespace {

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t v = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || p != end) return std::nullopt;
  return v;
}

std::optional<ProcStat> stat_of(int pid) {
  constexpr std::size_t kMax = 4096;
  auto text = common::read_bounded_file("/proc/" + std::to_string(pid) + "/stat", kMax);
  if (!text) return std::nullopt;  // it exited meanwhile
  return parse_proc_stat(*text);
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  text.remove_prefix(close + 1);
  // Fields from 3 (state) on; we need 4 (ppid), 14 (utime), 15 (stime), 24 (rss).
  std::vector<std::string_view> fields;
  while (!text.empty()) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
    const auto end = text.find_first_of(" \n");
    if (!text.empty()) fields.push_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  }
  constexpr std::size_t kFirst = 3;
  const auto field = [&](std::size_t n) -> std::optional<std::uint64_t> {
    if (n - kFirst >= fields.size()) return std::nullopt;
    return number(fields[n - kFirst]);
  };
  const auto ppid = field(4);
  const auto utime = field(14);
  const auto stime = field(15);
  const auto rss = field(24);
  if (!ppid || !utime || !stime || !rss) return std::nullopt;
  return ProcStat{.state = fields.empty() || fields[0].empty() ? '?' : fields[0][0],
                  .ppid = static_cast<int>(*ppid),
                  .utime_ticks = *utime,
                  .stime_ticks = *stime,
                  .rss_pages = *rss};
}

namespace {

// The stat of `pid` and of each of its descendants; nullopt when `pid` is not running.
std::optional<std::map<int, ProcStat>> tree_stats(int pid) {
  if (pid <= 0) return std::nullopt;
  const auto root = stat_of(pid);
  if (!root) return std::nullopt;
  // One pass over /proc for the parent of every process, then the tree below `pid`.
  std::multimap<int, int> children;
  std::map<int, ProcStat> stats;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    const auto id = number(name);
    if (!id) continue;
    const auto s = stat_of(static_cast<int>(*id));
    if (!s) continue;
    children.emplace(s->ppid, static_cast<int>(*id));
    stats.emplace(static_cast<int>(*id), *s);
  }
  stats.insert_or_assign(pid, *root);
  std::map<int, ProcStat> tree;
  std::vector<int> todo{pid};
  // Bounded by the number of processes read: a pid reused as its own descendant cannot loop.
  for (std::size_t guard = 0; !todo.empty() && guard <= stats.size(); ++guard) {
    const int p = todo.back();
    todo.pop_back();
    tree.insert_or_assign(p, stats.at(p));
    const auto [first, last] = children.equal_range(p);
    for (auto it = first; it != last; ++it) {
      if (it->second != p && stats.contains(it->second)) todo.push_back(it->second);
    }
  }
  return tree;
}

}  // namespace

std::optional<ProcessTreeReading> read_process_tree(int pid) {
  const auto tree = tree_stats(pid);
  if (!tree) return std::nullopt;
  const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  ProcessTreeReading out;
  out.pid = pid;
  std::uint64_t total_ticks = 0;
  for (const auto& [p, s] : *tree) {
    ++out.processes;
    out.rss_bytes += s.rss_pages * page;
    total_ticks += s.utime_ticks + s.stime_ticks;
  }
  out.cpu_ns = static_cast<std::uint64_t>(static_cast<double>(total_ticks) / ticks * 1e9);
  out.at = SteadyClock::now();
  return out;
}

std::optional<std::set<int>> process_tree_pids(int pid) {
  const auto tree = tree_stats(pid);
  if (!tree) return std::nullopt;
  std::set<int> out;
  // A zombie has exited (its parent has not reaped it yet): its sessions are not its own.
  for (const auto& [p, s] : *tree) {
    if (s.state != 'Z' && s.state != 'X') out.insert(p);
  }
  return out;
}

}  // namespace opsagent::probes
