#include "probes/model/container_model.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>

#include "config/syntax/duration.hpp"
#include "config/syntax/threshold.hpp"

namespace opsagent::probes {
namespace {

std::string_view trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

std::optional<std::int64_t> signed_number(std::string_view text) {
  std::int64_t v = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc{} || p != end) return std::nullopt;
  return v;
}

std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 40;
  return "\"" + std::string(text.substr(0, kShown)) + (text.size() > kShown ? "...\"" : "\"");
}

using Threshold = config::Threshold;

double fraction(const Threshold& t) {
  return t.value / 100.0;
}

ResourceLevel level_of(double ratio, const Threshold& warn, const Threshold& critical) {
  if (ratio >= fraction(critical)) return ResourceLevel::critical;
  if (ratio >= fraction(warn)) return ResourceLevel::warn;
  return ResourceLevel::ok;
}

double seconds_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

CheckResult resource_check(std::string name, ResourceLevel level, const config::ContainerSection& c,
                           ErrorClass error, std::string message, std::optional<double> ratio) {
  CheckResult r;
  r.name = std::move(name);
  r.gates_readiness = c.gates_readiness;
  r.status = level == ResourceLevel::ok                              ? CheckStatus::pass
             : level == ResourceLevel::critical && c.gates_readiness ? CheckStatus::fail
                                                                     : CheckStatus::warn;
  r.error = level == ResourceLevel::ok ? ErrorClass::none : error;
  r.message = std::move(message);
  if (ratio) {
    r.observed_value = *ratio * 100;
    r.observed_unit = "%";
  }
  return r;
}

std::string level_word(ResourceLevel l) {
  return l == ResourceLevel::critical ? "critical" : "high";
}

CheckResult cpu_check(const ContainerStatus& s, const config::ContainerSection& c) {
  const auto level = cpu_level(s, c);
  std::string message;
  if (!s.limited_cpu()) {
    message = s.cpu_cores_used ? fmt::format("not limited ({:.2f} cores used)", *s.cpu_cores_used)
                               : "not limited";
  } else if (!s.cpu_ratio) {
    message =
        fmt::format("quota {:.2f} cores; use known after the next reading", *s.cpu_quota_cores);
  } else {
    message =
        fmt::format("{:.1f}% of the {:.2f}-core quota", *s.cpu_ratio * 100, *s.cpu_quota_cores);
    if (s.cpu_high_for) {
      message += fmt::format(", at or above {} for {}", config::format_threshold(c.cpu_warn),
                             config::format_duration(*s.cpu_high_for));
    }
    if (level != ResourceLevel::ok) message = "CPU " + level_word(level) + ": " + message;
  }
  if (s.cpu_throttled_periods > 0) {
    message += fmt::format("; throttled in {} of {} periods ({:.1f}s in all)",
                           s.cpu_throttled_periods, s.cpu_periods, s.cpu_throttled_seconds);
  }
  return resource_check("container:cpu", level, c, ErrorClass::cpu_high, std::move(message),
                        s.cpu_ratio);
}

CheckResult memory_check(const ContainerStatus& s, const config::ContainerSection& c) {
  const auto level = memory_level(s, c);
  std::string message;
  if (!s.limited_memory()) {
    message = "not limited (" + format_bytes(s.memory_bytes) + " in use)";
  } else {
    message = fmt::format("{} of {} ({:.1f}%)", format_bytes(s.memory_bytes),
                          format_bytes(*s.memory_limit_bytes), *s.memory_ratio * 100);
    if (level != ResourceLevel::ok) {
      message = "memory " + level_word(level) + " (OOM risk): " + message;
    }
  }
  if (s.oom_kills && *s.oom_kills > 0) {
    message += fmt::format("; {} OOM kill{} so far", *s.oom_kills, *s.oom_kills == 1 ? "" : "s");
  }
  return resource_check("container:memory", level, c, ErrorClass::memory_high, std::move(message),
                        s.memory_ratio);
}

// A cgroup that cannot be read is not a reason to warn the on-call about CPU or memory: the
// checks pass and say why nothing is known.
std::vector<CheckResult> unknown_checks(const ContainerStatus& s,
                                        const config::ContainerSection& c) {
  std::vector<CheckResult> out;
  for (const auto* name : {"container:cpu", "container:memory"}) {
    out.push_back(resource_check(name, ResourceLevel::ok, c, ErrorClass::none, "unknown: " + s.note,
                                 std::nullopt));
  }
  return out;
}

}  // namespace

std::expected<std::uint64_t, std::string> parse_cgroup_number(std::string_view text) {
  const auto t = trim(text);
  std::uint64_t v = 0;
  const auto* end = t.data() + t.size();
  const auto [p, ec] = std::from_chars(t.data(), end, v);
  if (t.empty() || ec != std::errc{} || p != end) {
    return std::unexpected("expected a number, got " + quoted(t));
  }
  return v;
}

std::map<std::string, std::uint64_t, std::less<>> parse_flat_keyed(std::string_view text) {
  std::map<std::string, std::uint64_t, std::less<>> out;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const auto line = trim(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    const auto space = line.find(' ');
    if (space == std::string_view::npos) continue;
    if (auto v = parse_cgroup_number(line.substr(space + 1))) {
      out.emplace(std::string(line.substr(0, space)), *v);
    }
  }
  return out;
}

std::expected<std::optional<double>, std::string> parse_cpu_max(std::string_view text) {
  const auto t = trim(text);
  const auto space = t.find(' ');
  const auto period = space == std::string_view::npos ? std::optional<std::int64_t>{100000}
                                                      : signed_number(t.substr(space + 1));
  const auto quota = t.substr(0, space);
  if (!period || *period <= 0) {
    return std::unexpected("expected \"max PERIOD\" or \"QUOTA PERIOD\", got " + quoted(t));
  }
  if (quota == "max") return std::optional<double>{};
  const auto q = signed_number(quota);
  if (!q || *q <= 0) {
    return std::unexpected("expected \"max PERIOD\" or \"QUOTA PERIOD\", got " + quoted(t));
  }
  return static_cast<double>(*q) / static_cast<double>(*period);
}

std::expected<std::optional<double>, std::string> parse_cfs_quota(std::string_view quota,
                                                                  std::string_view period) {
  const auto q = signed_number(trim(quota));
  if (!q || *q == 0 || *q < -1) {
    return std::unexpected("expected a quota in microseconds or -1, got " + quoted(trim(quota)));
  }
  if (*q == -1) return std::optional<double>{};
  const auto p = signed_number(trim(period));
  if (!p || *p <= 0) {
    return std::unexpected("expected a period in microseconds, got " + quoted(trim(period)));
  }
  return static_cast<double>(*q) / static_cast<double>(*p);
}

std::expected<std::optional<std::uint64_t>, std::string> parse_memory_limit(std::string_view text) {
  if (trim(text) == "max") return std::optional<std::uint64_t>{};
  auto v = parse_cgroup_number(text);
  if (!v) return std::unexpected(v.error() + " or \"max\"");
  if (*v >= kUnlimitedMemory) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>{*v};
}

std::uint64_t CgroupReading::memory_working_set() const {
  return memory_usage_bytes - std::min(memory_usage_bytes, memory_inactive_file_bytes);
}

std::string_view to_string(ContainerStatus::Source s) {
  switch (s) {
    case ContainerStatus::Source::off:
      return "off";
    case ContainerStatus::Source::none:
      return "none";
    case ContainerStatus::Source::v1:
      return "cgroup v1";
    case ContainerStatus::Source::v2:
      return "cgroup v2";
  }
  return "none";
}

ResourceLevel cpu_level(const ContainerStatus& s, const config::ContainerSection& c) {
  if (!s.cpu_ratio || !s.cpu_high_for) return ResourceLevel::ok;
  if (*s.cpu_high_for < std::chrono::duration_cast<std::chrono::seconds>(c.cpu_sustained)) {
    return ResourceLevel::ok;
  }
  return level_of(*s.cpu_ratio, c.cpu_warn, c.cpu_critical);
}

ResourceLevel memory_level(const ContainerStatus& s, const config::ContainerSection& c) {
  if (!s.memory_ratio) return ResourceLevel::ok;
  return level_of(*s.memory_ratio, c.memory_warn, c.memory_critical);
}

ContainerStatus container_status(const std::optional<CgroupReading>& now, std::string_view why,
                                 const std::optional<ProcessTreeReading>& tree,
                                 const config::ContainerSection& c, ContainerMemory& memory,
                                 WallClock::time_point wall_now) {
  ContainerStatus s;
  s.read_at = wall_now;
  if (tree) {
    ProcessTreeStatus app{.pid = tree->pid,
                          .processes = tree->processes,
                          .rss_bytes = tree->rss_bytes,
                          .cpu_cores = std::nullopt};
    const auto& last = memory.last_tree;
    if (last && last->pid == tree->pid && tree->at > last->at && tree->cpu_ns >= last->cpu_ns) {
      app.cpu_cores = static_cast<double>(tree->cpu_ns - last->cpu_ns) / 1e9 /
                      seconds_between(last->at, tree->at);
    }
    s.app = app;
  }
  memory.last_tree = tree;
  if (!now) {
    s.source = ContainerStatus::Source::none;
    s.note = std::string(why);
    memory = ContainerMemory{.last = std::nullopt, .last_tree = tree, .cpu_high_since = {}};
    s.checks = unknown_checks(s, c);
    return s;
  }
  const CgroupReading& r = *now;
  s.source = r.version == 1 ? ContainerStatus::Source::v1 : ContainerStatus::Source::v2;
  s.path = r.path;
  for (const auto& p : r.problems) s.note += (s.note.empty() ? "" : "; ") + p;
  s.cpu_quota_cores = r.cpu_quota_cores;
  s.cpu_periods = r.cpu_periods;
  s.cpu_throttled_periods = r.cpu_throttled_periods;
  s.cpu_throttled_seconds = static_cast<double>(r.cpu_throttled_ns) / 1e9;
  s.cpu_usage_seconds = static_cast<double>(r.cpu_usage_ns) / 1e9;
  // A counter that went backwards is another cgroup (a restart, a new cgroup_root): no rate.
  const auto& last = memory.last;
  if (last && last->path == r.path && r.at > last->at && r.cpu_usage_ns >= last->cpu_usage_ns) {
    s.cpu_cores_used = static_cast<double>(r.cpu_usage_ns - last->cpu_usage_ns) / 1e9 /
                       seconds_between(last->at, r.at);
    if (r.cpu_quota_cores) s.cpu_ratio = *s.cpu_cores_used / *r.cpu_quota_cores;
  }
  if (s.cpu_ratio && *s.cpu_ratio >= fraction(c.cpu_warn)) {
    if (!memory.cpu_high_since) memory.cpu_high_since = last ? last->at : r.at;
    s.cpu_high_for =
        std::chrono::duration_cast<std::chrono::seconds>(r.at - *memory.cpu_high_since);
  } else {
    memory.cpu_high_since.reset();
  }
  s.memory_usage_bytes = r.memory_usage_bytes;
  s.memory_bytes = r.memory_working_set();
  s.memory_limit_bytes = r.memory_limit_bytes;
  if (r.memory_limit_bytes && *r.memory_limit_bytes > 0) {
    s.memory_ratio =
        static_cast<double>(s.memory_bytes) / static_cast<double>(*r.memory_limit_bytes);
  }
  s.oom_kills = r.oom_kills;
  memory.last = r;
  s.checks.push_back(cpu_check(s, c));
  s.checks.push_back(memory_check(s, c));
  return s;
}

std::string format_bytes(std::uint64_t bytes) {
  constexpr std::array<const char*, 5> kUnits{"B", "KiB", "MiB", "GiB", "TiB"};
  auto v = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (v >= 1024 && unit + 1 < kUnits.size()) {
    v /= 1024;
    ++unit;
  }
  if (unit == 0) return fmt::format("{} B", bytes);
  return fmt::format("{:.{}f} {}", v, v < 10 ? 1 : 0, kUnits[unit]);
}

}  // namespace opsagent::probes
