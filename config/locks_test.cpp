// [locks]: its defaults, every key, and its mistakes with file:line:col.
#include <gtest/gtest.h>

#include <chrono>

#include "config/load.hpp"
#include "config/test_helpers.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

TEST(LoadLocks, Defaults) {
  const LocksSection l = loaded("").locks;
  EXPECT_TRUE(l.enabled);
  EXPECT_EQ(l.max_sessions, 50);
  EXPECT_EQ(l.alert_after, 10s);
  EXPECT_EQ(l.alert_queued, 5);
  EXPECT_EQ(l.critical_after, 1min);
  EXPECT_FALSE(l.gates_readiness);
}

TEST(LoadLocks, EveryKey) {
  const LocksSection l = loaded(
                             "[locks]\nenabled = false\nmax_sessions = 10\nalert_after = \"0s\"\n"
                             "alert_queued = 20\ncritical_after = \"5m\"\ngates_readiness = true\n")
                             .locks;
  EXPECT_EQ(l, (LocksSection{.enabled = false,
                             .max_sessions = 10,
                             .alert_after = 0s,
                             .alert_queued = 20,
                             .critical_after = 5min,
                             .gates_readiness = true}));
}

TEST(LoadLocks, Mistakes) {
  expect_single_error("[locks]\nmax_sessions = 1\n", {2, 16, "locks.max_sessions", "2"});
  expect_single_error("[locks]\nalert_after = \"500ms\"\n", {2, 15, "locks.alert_after", "1s"});
  expect_single_error("[locks]\nalert_queued = -1\n", {2, 16, "locks.alert_queued", "0"});
  expect_single_error("[locks]\ncritical_after = \"5s\"\n",
                      {2, 18, "locks.critical_after", "is not above locks.alert_after (10s)"});
}

}  // namespace
}  // namespace opsagent::config
