// [container]: its defaults, every key, and its mistakes with file:line:col.
#include <gtest/gtest.h>

#include <chrono>

#include "config/load.hpp"
#include "config/test_helpers.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

TEST(LoadContainer, Defaults) {
  const ContainerSection c = loaded("").container;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.cgroup_root, "");
  EXPECT_EQ(c.interval, 10s);
  EXPECT_EQ(c.cpu_warn, (Threshold{Threshold::Kind::percent, 80}));
  EXPECT_EQ(c.cpu_critical, (Threshold{Threshold::Kind::percent, 95}));
  EXPECT_EQ(c.cpu_sustained, 5min);
  EXPECT_EQ(c.memory_warn, (Threshold{Threshold::Kind::percent, 85}));
  EXPECT_EQ(c.memory_critical, (Threshold{Threshold::Kind::percent, 95}));
  EXPECT_FALSE(c.gates_readiness);
}

TEST(LoadContainer, EveryKey) {
  const ContainerSection c = loaded(
                                 "[container]\nenabled = false\ncgroup_root = \"/tmp/cg\"\n"
                                 "interval = \"2s\"\ncpu_warn = \"70%\"\ncpu_critical = \"90%\"\n"
                                 "cpu_sustained = \"0s\"\nmemory_warn = \"60.5%\"\n"
                                 "memory_critical = \"99%\"\ngates_readiness = true\n")
                                 .container;
  EXPECT_EQ(c, (ContainerSection{.enabled = false,
                                 .cgroup_root = "/tmp/cg",
                                 .interval = 2s,
                                 .cpu_warn = {Threshold::Kind::percent, 70},
                                 .cpu_critical = {Threshold::Kind::percent, 90},
                                 .cpu_sustained = 0s,
                                 .memory_warn = {Threshold::Kind::percent, 60.5},
                                 .memory_critical = {Threshold::Kind::percent, 99},
                                 .gates_readiness = true}));
}

TEST(LoadContainer, ThresholdsArePercentagesOnly) {
  expect_single_error("[container]\ncpu_warn = \"-5\"\n",
                      {2, 12, "container.cpu_warn", "is not a percentage"});
  expect_single_error("[container]\nmemory_warn = 85\n",
                      {2, 15, "container.memory_warn", "a percentage like \"80%\""});
  expect_single_error("[container]\nmemory_warn = \"185%\"\n",
                      {2, 15, "container.memory_warn", "185%"});
}

TEST(LoadContainer, CriticalMustBeAboveWarn) {
  expect_single_error("[container]\nmemory_warn = \"90%\"\nmemory_critical = \"90%\"\n",
                      {3, 19, "container.memory_critical", "is not above container.memory_warn"});
  expect_single_error("[container]\ncpu_critical = \"70%\"\n",
                      {2, 16, "container.cpu_critical", "is not above container.cpu_warn (80%)"});
}

TEST(LoadContainer, CgroupRootMustBeAbsolute) {
  expect_single_error("[container]\ncgroup_root = \"sys/fs/cgroup\"\n",
                      {2, 15, "container.cgroup_root", "must be an absolute path"});
}

TEST(LoadContainer, IntervalBounds) {
  expect_single_error("[container]\ninterval = \"500ms\"\n", {2, 12, "container.interval", "1s"});
}

}  // namespace
}  // namespace opsagent::config
