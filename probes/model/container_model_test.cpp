#include "probes/model/container_model.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;

TEST(CgroupText, Numbers) {
  EXPECT_EQ(parse_cgroup_number("123\n"), 123u);
  EXPECT_FALSE(parse_cgroup_number(""));
  EXPECT_FALSE(parse_cgroup_number("12 34"));
  EXPECT_FALSE(parse_cgroup_number("-1"));
  EXPECT_NE(parse_cgroup_number("max").error().find("\"max\""), std::string::npos);
}

TEST(CgroupText, FlatKeyedSkipsOddLines) {
  const auto m = parse_flat_keyed("usage_usec 10\nbroken\nnr_periods x\nnr_throttled 2\n");
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.at("usage_usec"), 10u);
  EXPECT_EQ(m.at("nr_throttled"), 2u);
}

TEST(CgroupText, CpuMax) {
  EXPECT_EQ(parse_cpu_max("max 100000\n").value(), std::optional<double>{});
  EXPECT_EQ(parse_cpu_max("50000 100000\n").value(), std::optional<double>{0.5});
  EXPECT_EQ(parse_cpu_max("200000 100000").value(), std::optional<double>{2.0});
  EXPECT_FALSE(parse_cpu_max("50000 0"));
  EXPECT_FALSE(parse_cpu_max("lots 100000"));
}

TEST(CgroupText, CfsQuota) {
  EXPECT_EQ(parse_cfs_quota("-1\n", "100000\n").value(), std::optional<double>{});
  EXPECT_EQ(parse_cfs_quota("150000\n", "100000\n").value(), std::optional<double>{1.5});
  EXPECT_FALSE(parse_cfs_quota("-2", "100000"));
  EXPECT_FALSE(parse_cfs_quota("1000", "0"));
}

TEST(CgroupText, MemoryLimit) {
  EXPECT_EQ(parse_memory_limit("max\n").value(), std::optional<std::uint64_t>{});
  EXPECT_EQ(parse_memory_limit("9223372036854771712\n").value(), std::optional<std::uint64_t>{});
  EXPECT_EQ(parse_memory_limit("536870912\n").value(), std::optional<std::uint64_t>{536870912});
  EXPECT_FALSE(parse_memory_limit("lots"));
}

config::ContainerSection defaults() {
  return {};
}

CgroupReading reading(SteadyClock::time_point at, std::uint64_t cpu_s, std::optional<double> quota,
                      std::uint64_t memory, std::optional<std::uint64_t> limit) {
  CgroupReading r;
  r.version = 2;
  r.path = "/sys/fs/cgroup";
  r.at = at;
  r.cpu_usage_ns = cpu_s * 1'000'000'000;
  r.cpu_quota_cores = quota;
  r.memory_usage_bytes = memory;
  r.memory_limit_bytes = limit;
  r.oom_kills = 0;
  return r;
}

const CheckResult& check(const ContainerStatus& s, std::string_view name) {
  for (const auto& c : s.checks) {
    if (c.name == name) return c;
  }
  throw std::logic_error("no check " + std::string(name));
}

constexpr std::uint64_t kGiB = 1024ULL * 1024 * 1024;

TEST(ContainerStatus, NotLimitedIsShownAsSuchNeverAsAShareOfTheHost) {
  ContainerMemory m;
  const auto t0 = SteadyClock::time_point{} + 1h;
  const auto c = defaults();
  container_status(reading(t0, 100, std::nullopt, kGiB, std::nullopt), "", std::nullopt, c, m, {});
  const auto s = container_status(reading(t0 + 10s, 115, std::nullopt, kGiB, std::nullopt), "",
                                  std::nullopt, c, m, {});
  EXPECT_FALSE(s.limited_cpu());
  EXPECT_FALSE(s.limited_memory());
  ASSERT_TRUE(s.cpu_cores_used);
  EXPECT_DOUBLE_EQ(*s.cpu_cores_used, 1.5);
  EXPECT_FALSE(s.cpu_ratio);
  EXPECT_FALSE(s.memory_ratio);
  EXPECT_EQ(check(s, "container:cpu").status, CheckStatus::pass);
  EXPECT_EQ(check(s, "container:cpu").message, "not limited (1.50 cores used)");
  EXPECT_EQ(check(s, "container:memory").message, "not limited (1.0 GiB in use)");
  EXPECT_FALSE(check(s, "container:memory").observed_value);
}

TEST(ContainerStatus, MemoryAgainstTheLimitWarnsThenIsCritical) {
  ContainerMemory m;
  const auto t0 = SteadyClock::time_point{} + 1h;
  const auto c = defaults();
  auto s = container_status(reading(t0, 1, 1.0, kGiB / 2, kGiB), "", std::nullopt, c, m, {});
  EXPECT_EQ(check(s, "container:memory").status, CheckStatus::pass);
  EXPECT_DOUBLE_EQ(*check(s, "container:memory").observed_value, 50);
  s = container_status(reading(t0 + 10s, 2, 1.0, kGiB * 86 / 100, kGiB), "", std::nullopt, c, m,
                       {});
  EXPECT_EQ(memory_level(s, c), ResourceLevel::warn);
  const auto& warn = check(s, "container:memory");
  EXPECT_EQ(warn.status, CheckStatus::warn);
  EXPECT_EQ(warn.error, ErrorClass::memory_high);
  EXPECT_FALSE(warn.gates_readiness);
  EXPECT_NE(warn.message.find("OOM risk"), std::string::npos) << warn.message;
  s = container_status(reading(t0 + 20s, 3, 1.0, kGiB * 96 / 100, kGiB), "", std::nullopt, c, m,
                       {});
  EXPECT_EQ(memory_level(s, c), ResourceLevel::critical);
  EXPECT_EQ(check(s, "container:memory").status, CheckStatus::warn);  // does not gate
  auto gating = c;
  gating.gates_readiness = true;
  s = container_status(reading(t0 + 30s, 4, 1.0, kGiB * 96 / 100, kGiB), "", std::nullopt, gating,
                       m, {});
  EXPECT_EQ(check(s, "container:memory").status, CheckStatus::fail);
  EXPECT_TRUE(check(s, "container:memory").gates_readiness);
}

TEST(ContainerStatus, WorkingSetLeavesInactivePageCacheOut) {
  ContainerMemory m;
  auto r = reading(SteadyClock::time_point{} + 1h, 1, 1.0, kGiB, kGiB);
  r.memory_inactive_file_bytes = kGiB / 2;
  const auto s = container_status(r, "", std::nullopt, defaults(), m, {});
  EXPECT_EQ(s.memory_bytes, kGiB / 2);
  EXPECT_EQ(s.memory_usage_bytes, kGiB);
  EXPECT_DOUBLE_EQ(*s.memory_ratio, 0.5);
}

TEST(ContainerStatus, CpuCountsOnlyOnceHighForCpuSustained) {
  ContainerMemory m;
  const auto t0 = SteadyClock::time_point{} + 1h;
  auto c = defaults();
  c.cpu_sustained = 60s;
  // Half a core quota; 0.45 cores used = 90%.
  std::uint64_t used_ms = 0;
  auto at = [&](std::chrono::seconds t, std::uint64_t add_ms) {
    used_ms += add_ms;
    auto r = reading(t0 + t, 0, 0.5, 1, kGiB);
    r.cpu_usage_ns = used_ms * 1'000'000;
    return container_status(r, "", std::nullopt, c, m, {});
  };
  auto s = at(0s, 0);
  EXPECT_FALSE(s.cpu_ratio);  // one reading: no rate yet
  EXPECT_NE(check(s, "container:cpu").message.find("next reading"), std::string::npos);
  s = at(30s, 13'500);  // 0.45 cores for 30 s
  EXPECT_DOUBLE_EQ(*s.cpu_ratio, 0.9);
  EXPECT_EQ(s.cpu_high_for, 30s);
  EXPECT_EQ(cpu_level(s, c), ResourceLevel::ok);
  s = at(60s, 13'500);
  EXPECT_EQ(s.cpu_high_for, 60s);
  EXPECT_EQ(cpu_level(s, c), ResourceLevel::warn);
  EXPECT_EQ(check(s, "container:cpu").status, CheckStatus::warn);
  EXPECT_EQ(check(s, "container:cpu").error, ErrorClass::cpu_high);
  s = at(90s, 15'000);  // 100%
  EXPECT_EQ(cpu_level(s, c), ResourceLevel::critical);
  s = at(120s, 3'000);  // 20%: the streak ends
  EXPECT_FALSE(s.cpu_high_for);
  EXPECT_EQ(cpu_level(s, c), ResourceLevel::ok);
  EXPECT_EQ(check(s, "container:cpu").status, CheckStatus::pass);
  s = at(150s, 15'000);
  EXPECT_EQ(s.cpu_high_for, 30s);
  EXPECT_EQ(cpu_level(s, c), ResourceLevel::ok);
}

TEST(ContainerStatus, ThrottlingAndOomKillsAreReported) {
  ContainerMemory m;
  auto r = reading(SteadyClock::time_point{} + 1h, 1, 1.0, 1, kGiB);
  r.cpu_periods = 100;
  r.cpu_throttled_periods = 7;
  r.cpu_throttled_ns = 2'500'000'000;
  r.oom_kills = 2;
  const auto s = container_status(r, "", std::nullopt, defaults(), m, {});
  EXPECT_DOUBLE_EQ(s.cpu_throttled_seconds, 2.5);
  EXPECT_NE(check(s, "container:cpu").message.find("throttled in 7 of 100 periods"),
            std::string::npos);
  EXPECT_NE(check(s, "container:memory").message.find("2 OOM kills so far"), std::string::npos);
  EXPECT_EQ(s.oom_kills, 2u);
}

TEST(ContainerStatus, CounterGoingBackwardsGivesNoRate) {
  ContainerMemory m;
  const auto t0 = SteadyClock::time_point{} + 1h;
  container_status(reading(t0, 100, 1.0, 1, kGiB), "", std::nullopt, defaults(), m, {});
  const auto s =
      container_status(reading(t0 + 10s, 5, 1.0, 1, kGiB), "", std::nullopt, defaults(), m, {});
  EXPECT_FALSE(s.cpu_ratio);
}

TEST(ContainerStatus, NoCgroupPassesAndSaysWhy) {
  ContainerMemory m;
  const auto s = container_status(std::nullopt, "no cgroup here", std::nullopt, defaults(), m, {});
  EXPECT_EQ(s.source, ContainerStatus::Source::none);
  ASSERT_EQ(s.checks.size(), 2u);
  for (const auto& c : s.checks) {
    EXPECT_EQ(c.status, CheckStatus::pass);
    EXPECT_EQ(c.message, "unknown: no cgroup here");
  }
}

TEST(ContainerStatus, ProcessTreeCpuFromTwoReadings) {
  ContainerMemory m;
  const auto t0 = SteadyClock::time_point{} + 1h;
  ProcessTreeReading tree{.pid = 42, .processes = 5, .rss_bytes = kGiB, .cpu_ns = 0, .at = t0};
  auto s = container_status(std::nullopt, "", tree, defaults(), m, {});
  ASSERT_TRUE(s.app);
  EXPECT_EQ(s.app->processes, 5);
  EXPECT_FALSE(s.app->cpu_cores);
  tree.cpu_ns = 20'000'000'000;
  tree.at = t0 + 10s;
  s = container_status(std::nullopt, "", tree, defaults(), m, {});
  ASSERT_TRUE(s.app->cpu_cores);
  EXPECT_DOUBLE_EQ(*s.app->cpu_cores, 2.0);
  tree.pid = 43;  // restarted: a new tree, no rate
  tree.at = t0 + 20s;
  s = container_status(std::nullopt, "", tree, defaults(), m, {});
  EXPECT_FALSE(s.app->cpu_cores);
}

TEST(FormatBytes, Units) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(300ULL * 1024 * 1024), "300 MiB");
}

}  // namespace
}  // namespace opsagent::probes
