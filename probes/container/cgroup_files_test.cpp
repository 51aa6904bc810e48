#include "probes/container/cgroup_files.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <filesystem>
#include <fstream>

#include "probes/container/process_tree.hpp"
#include "tests/support/fake_cgroup.hpp"
#include "tests/support/temp_dir.hpp"

namespace opsagent::probes {
namespace {

using testing::FakeCgroupNumbers;
using testing::TempDir;

constexpr std::uint64_t kMiB = 1024ULL * 1024;

FakeCgroupNumbers limited() {
  return {.cpu_usage_us = 5'000'000,
          .cpu_quota_us = 150000,
          .cpu_period_us = 100000,
          .nr_periods = 400,
          .nr_throttled = 12,
          .throttled_us = 1'500'000,
          .memory_bytes = 600 * kMiB,
          .inactive_file_bytes = 100 * kMiB,
          .memory_limit_bytes = 1024 * kMiB,
          .oom_kills = 3};
}

void expect_limited(const CgroupReading& r) {
  EXPECT_TRUE(r.problems.empty()) << r.problems.front();
  EXPECT_EQ(r.cpu_usage_ns, 5'000'000'000u);
  EXPECT_EQ(r.cpu_quota_cores, 1.5);
  EXPECT_EQ(r.cpu_periods, 400u);
  EXPECT_EQ(r.cpu_throttled_periods, 12u);
  EXPECT_EQ(r.cpu_throttled_ns, 1'500'000'000u);
  EXPECT_EQ(r.memory_usage_bytes, 600 * kMiB);
  EXPECT_EQ(r.memory_working_set(), 500 * kMiB);
  EXPECT_EQ(r.memory_limit_bytes, 1024 * kMiB);
  EXPECT_EQ(r.oom_kills, 3u);
}

TEST(CgroupFiles, ReadsAFakeV2Tree) {
  TempDir dir;
  testing::write_cgroup_v2(dir.path(), limited());
  const auto where = cgroup_at(dir.path().string());
  ASSERT_TRUE(where) << where.error();
  EXPECT_EQ(where->version, 2);
  const auto r = read_cgroup(*where);
  EXPECT_EQ(r.version, 2);
  EXPECT_EQ(r.path, dir.path().string());
  expect_limited(r);
}

TEST(CgroupFiles, ReadsAFakeV1Tree) {
  TempDir dir;
  testing::write_cgroup_v1(dir.path(), limited());
  const auto where = cgroup_at(dir.path().string());
  ASSERT_TRUE(where) << where.error();
  EXPECT_EQ(where->version, 1);
  const auto r = read_cgroup(*where);
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(r.path, (dir.path() / "memory").string());
  expect_limited(r);
}

TEST(CgroupFiles, NoQuotaAndNoLimitReadAsNotLimited) {
  for (const int version : {1, 2}) {
    TempDir dir;
    auto n = limited();
    n.cpu_quota_us.reset();
    n.memory_limit_bytes.reset();
    version == 1 ? testing::write_cgroup_v1(dir.path(), n)
                 : testing::write_cgroup_v2(dir.path(), n);
    const auto r = read_cgroup(*cgroup_at(dir.path().string()));
    EXPECT_TRUE(r.problems.empty()) << version;
    EXPECT_FALSE(r.cpu_quota_cores) << version;
    EXPECT_FALSE(r.memory_limit_bytes) << version;
  }
}

// A v1 limit set on a parent cgroup is the one in force.
TEST(CgroupFiles, V1TakesTheHierarchicalLimit) {
  TempDir dir;
  auto n = limited();
  n.memory_limit_bytes.reset();
  testing::write_cgroup_v1(dir.path(), n);
  {
    std::ofstream(dir.path() / "memory" / "memory.stat", std::ios::app)
        << "hierarchical_memory_limit 2147483648\n";
  }
  const auto r = read_cgroup(*cgroup_at(dir.path().string()));
  EXPECT_EQ(r.memory_limit_bytes, 2048 * kMiB);
}

TEST(CgroupFiles, AnUnreadableFileIsAProblemNamingItsPath) {
  TempDir dir;
  testing::write_cgroup_v2(dir.path(), limited());
  std::filesystem::remove(dir.path() / "memory.current");
  { std::ofstream(dir.path() / "memory.max") << "plenty\n"; }
  const auto r = read_cgroup(*cgroup_at(dir.path().string()));
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_NE(r.problems[0].find(dir.file("memory.current")), std::string::npos) << r.problems[0];
  EXPECT_NE(r.problems[1].find(dir.file("memory.max") + ": expected a number"), std::string::npos)
      << r.problems[1];
  EXPECT_EQ(r.cpu_usage_ns, 5'000'000'000u);  // the rest is still read
}

TEST(CgroupFiles, ARootThatIsNoCgroupSaysWhat) {
  TempDir dir;
  auto where = cgroup_at(dir.path().string());
  ASSERT_FALSE(where);
  EXPECT_NE(where.error().find("neither a cgroup v2 directory"), std::string::npos);
  where = cgroup_at(dir.file("absent"));
  ASSERT_FALSE(where);
  EXPECT_NE(where.error().find("not a directory"), std::string::npos);
}

constexpr std::string_view kHybridMountinfo =
    "24 29 0:22 / /sys rw,nosuid - sysfs sysfs rw\n"
    "32 24 0:27 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755\n"
    "33 32 0:28 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
    "36 32 0:31 / /sys/fs/cgroup/memory rw,nosuid shared:15 - cgroup cgroup rw,memory\n"
    "37 32 0:32 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:16 - cgroup cgroup rw,cpu,cpuacct\n";

TEST(LocateCgroup, HybridV1Host) {
  const auto where = locate_cgroup(
      "12:pids:/x\n4:memory:/process_api/abc\n3:cpu,cpuacct:/\n0::/user.slice\n", kHybridMountinfo);
  ASSERT_TRUE(where) << where.error();
  EXPECT_EQ(where->version, 1);
  EXPECT_EQ(where->memory_dir, "/sys/fs/cgroup/memory/process_api/abc");
  EXPECT_EQ(where->cpu_dir, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(where->cpuacct_dir, "/sys/fs/cgroup/cpu,cpuacct");
}

TEST(LocateCgroup, V2HostAndV2ContainerWithItsOwnNamespace) {
  constexpr std::string_view mountinfo =
      "30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
  auto where = locate_cgroup("0::/system.slice/app.service\n", mountinfo);
  ASSERT_TRUE(where) << where.error();
  EXPECT_EQ(where->version, 2);
  EXPECT_EQ(where->dir, "/sys/fs/cgroup/system.slice/app.service");
  where = locate_cgroup("0::/\n", mountinfo);
  ASSERT_TRUE(where);
  EXPECT_EQ(where->dir, "/sys/fs/cgroup");
}

TEST(LocateCgroup, ContainerWhoseCgroupIsMountedAsTheRoot) {
  // Docker without a cgroup namespace: /proc/self/cgroup names the host's path, the mount's root
  // is that path.
  constexpr std::string_view mountinfo =
      "600 590 0:26 /docker/0123 /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n";
  auto where = locate_cgroup("0::/docker/0123\n", mountinfo);
  ASSERT_TRUE(where);
  EXPECT_EQ(where->dir, "/sys/fs/cgroup");
  // A path outside the mount's root: the mount point is the cgroup.
  where = locate_cgroup("0::/elsewhere\n", mountinfo);
  ASSERT_TRUE(where);
  EXPECT_EQ(where->dir, "/sys/fs/cgroup");
}

TEST(LocateCgroup, NoCgroupsSaysWhy) {
  auto where = locate_cgroup("", "");
  ASSERT_FALSE(where);
  where = locate_cgroup("0::/a\n", "24 29 0:22 / /sys rw - sysfs sysfs rw\n");
  ASSERT_FALSE(where);
  EXPECT_NE(where.error().find("no cgroup2 mount"), std::string::npos);
}

// The real cgroup of this test's own process, where the machine has one.
TEST(CgroupFiles, ReadsTheTestsOwnCgroup) {
  const auto where = find_cgroup("");
  if (!where) GTEST_SKIP() << "no cgroup here: " << where.error();
  const auto r = read_cgroup(*where);
  EXPECT_TRUE(r.problems.empty()) << r.problems.front();
  EXPECT_GT(r.memory_usage_bytes, 0u);
  EXPECT_GT(r.cpu_usage_ns, 0u);
  if (r.memory_limit_bytes) {
    EXPECT_LT(*r.memory_limit_bytes, kUnlimitedMemory);
  }
  // Whatever the machine, the status never shows a share of an absent limit.
  ContainerMemory memory;
  const auto s = container_status(r, "", std::nullopt, {}, memory, {});
  EXPECT_EQ(s.memory_ratio.has_value(), r.memory_limit_bytes.has_value());
  if (!r.memory_limit_bytes) {
    EXPECT_EQ(s.checks[1].message.rfind("not limited", 0), 0u) << s.checks[1].message;
  }
}

TEST(ProcessTree, ParsesStatWithAnAwkwardName) {
  const auto s = parse_proc_stat(
      "42 (gun icorn) (x)) S 7 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 1000 321 "
      "18446744073709551615\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, 'S');
  EXPECT_EQ(s->ppid, 7);
  EXPECT_EQ(s->utime_ticks, 250u);
  EXPECT_EQ(s->stime_ticks, 50u);
  EXPECT_EQ(s->rss_pages, 321u);
  EXPECT_FALSE(parse_proc_stat("42 (x) S 7"));
  EXPECT_FALSE(parse_proc_stat("garbage"));
}

// A child of the test that waits to be killed; -1 when fork fails.
int paused_child() {
  const int child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  return child;
}

TEST(ProcessTree, TheTestsOwnProcessAndAChild) {
  const int child = paused_child();
  ASSERT_GE(child, 0);
  const auto tree = read_process_tree(::getpid());
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(tree);
  EXPECT_EQ(tree->pid, ::getpid());
  EXPECT_GE(tree->processes, 2);
  EXPECT_GT(tree->rss_bytes, 0u);
  EXPECT_FALSE(read_process_tree(0));
}

TEST(ProcessTree, PidsLeaveOutAZombie) {
  const int child = paused_child();
  ASSERT_GE(child, 0);
  const auto alive = process_tree_pids(::getpid());
  ::kill(child, SIGKILL);
  // Waits until it has exited without reaping it: a zombie until waitpid.
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT), 0);
  const auto dead = process_tree_pids(::getpid());
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(alive);
  EXPECT_TRUE(alive->contains(child));
  EXPECT_TRUE(alive->contains(::getpid()));
  ASSERT_TRUE(dead);
  EXPECT_FALSE(dead->contains(child));
  EXPECT_FALSE(process_tree_pids(0));
}

}  // namespace
}  // namespace opsagent::probes
