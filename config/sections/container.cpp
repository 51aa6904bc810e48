// [container]: the container's own resources (cgroup CPU and memory). The thresholds are
// percentages of the CPU quota or the memory limit only: a count or "slots left" means nothing
// here, and a container without a quota or limit is "not limited", never a share of the host.
#include <array>
#include <chrono>

#include "config/key_types.hpp"
#include "config/sections/cross_check.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/threshold.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

constexpr auto kContainer = &Config::container;
using C = ContainerSection;
using Key = KeySpec<Config>;

// A threshold of the [pool] form, limited to percentages.
template <Threshold ContainerSection::*Field>
void set_percent(const toml::node& value, const std::string& key, Config& c, Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a percentage like \"80%\"", diag);
  if (!text) return;
  auto parsed = parse_threshold_text(*text);
  if (!parsed) return report(diag, value, key, parsed.error());
  if (parsed->kind != Threshold::Kind::percent) {
    return report(diag, value, key,
                  "\"" + *text +
                      "\" is not a percentage; write a share of the quota or limit "
                      "like \"80%\"");
  }
  c.container.*Field = *parsed;
}

template <Threshold ContainerSection::*Field>
bool percent_differs(const Config& a, const Config& b) {
  return a.container.*Field != b.container.*Field;
}

template <Threshold ContainerSection::*Field>
constexpr auto percent() {
  return custom<&set_percent<Field>, &percent_differs<Field>>("threshold");
}

void set_cgroup_root(const toml::node& value, const std::string& key, Config& c,
                     Diagnostics& diag) {
  const std::string* text =
      string_value(value, key, "a directory like \"/sys/fs/cgroup\" (or \"\" to find it)", diag);
  if (!text) return;
  if (!text->empty() && text->front() != '/') {
    return report(diag, value, key,
                  "cgroup_root must be an absolute path (e.g. \"/sys/fs/cgroup\") or \"\" to use "
                  "the agent's own cgroup");
  }
  c.container.cgroup_root = *text;
}

bool cgroup_root_differs(const Config& a, const Config& b) {
  return a.container.cgroup_root != b.container.cgroup_root;
}

const std::array kKeys{
    Key{"container", "enabled", boolean<kContainer, &C::enabled>(), "true", Reload::live,
        "read the container's cgroup (CPU, memory, OOM kills); where none is found the views say "
        "so and the checks pass"},
    Key{"container", "cgroup_root", custom<&set_cgroup_root, &cgroup_root_differs>("string"),
        "\"\"", Reload::live,
        "the cgroup directory to read (v2: cpu.max, cpu.stat, memory.current, memory.max, "
        "memory.events; v1: the cpu, cpuacct and memory controllers below it); \"\": the agent's "
        "own cgroup, from /proc/self/cgroup and /proc/self/mountinfo"},
    Key{"container", "interval", duration<kContainer, &C::interval>(1s, 10min), "\"10s\"",
        Reload::live,
        "how often the cgroup (and in supervise mode the app's processes) is read; 1s..10m"},
    Key{"container", "cpu_warn", percent<&C::cpu_warn>(), "\"80%\"", Reload::live,
        "CPU use, as a share of the quota, that warns once it lasted cpu_sustained"},
    Key{"container", "cpu_critical", percent<&C::cpu_critical>(), "\"95%\"", Reload::live,
        "CPU use that is critical once it lasted cpu_sustained; above cpu_warn"},
    Key{"container", "cpu_sustained", duration<kContainer, &C::cpu_sustained>(0s, 1h), "\"5m\"",
        Reload::live,
        "how long CPU use must stay above cpu_warn before the check warns and the alert may fire "
        "(a short burst is normal); 0s..1h"},
    Key{"container", "memory_warn", percent<&C::memory_warn>(), "\"85%\"", Reload::live,
        "memory use, as a share of the limit, that warns (OOM risk)"},
    Key{"container", "memory_critical", percent<&C::memory_critical>(), "\"95%\"", Reload::live,
        "memory use that is critical; above memory_warn"},
    Key{"container", "gates_readiness", boolean<kContainer, &C::gates_readiness>(), "false",
        Reload::live,
        "whether a critical container:cpu or container:memory makes the agent not ready "
        "(/health/ready 503); by default they are warnings and alerts only"},
};

}  // namespace

std::span<const KeySpec<Config>> container_keys() {
  return kKeys;
}

void check_container(const Config& c, Diagnostics& diag) {
  const auto order = [&](std::string_view warn_key, std::string_view critical_key,
                         const Threshold& warn, const Threshold& critical) {
    const std::array keys{critical_key, warn_key};
    if (any_error(diag, keys)) return;
    if (critical.value > warn.value) return;
    diag.error(first_set(diag, keys), std::string(critical_key),
               std::string(critical_key) + " (" + format_threshold(critical) + ") is not above " +
                   std::string(warn_key) + " (" + format_threshold(warn) +
                   "), so warn could never be reported before critical; raise " +
                   std::string(critical_key) + " or lower " + std::string(warn_key));
  };
  order("container.cpu_warn", "container.cpu_critical", c.container.cpu_warn,
        c.container.cpu_critical);
  order("container.memory_warn", "container.memory_critical", c.container.memory_warn,
        c.container.memory_critical);
}

}  // namespace opsagent::config
