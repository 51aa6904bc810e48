// In supervise mode, the app's processes (gunicorn's master and its workers): the app's process
// and all its descendants, found through /proc/<pid>/stat, with their resident memory and CPU
// time. Thread-safety: functions of their arguments and /proc.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string_view>

#include "probes/model/container_model.hpp"

namespace opsagent::probes {

// The fields of /proc/<pid>/stat the tree needs. The command name (field 2) may hold spaces
// and parentheses: the fields after it are counted from its last ')'.
struct ProcStat {
  char state = 0;  // field 3: 'Z' is a zombie, exited and waiting to be reaped
  int ppid = 0;
  std::uint64_t utime_ticks = 0;
  std::uint64_t stime_ticks = 0;
  std::uint64_t rss_pages = 0;
};
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// The process `pid` and its descendants; nullopt when `pid` is not running.
std::optional<ProcessTreeReading> read_process_tree(int pid);

// The PIDs of `pid` and its descendants (the app's live workers, for leaked sessions); nullopt
// when `pid` is not running.
std::optional<std::set<int>> process_tree_pids(int pid);

}  // namespace opsagent::probes
