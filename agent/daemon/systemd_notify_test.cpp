#include "agent/daemon/systemd_notify.hpp"

#include <gtest/gtest.h>

namespace opsagent::daemon {
namespace {

TEST(SystemdNotify, ReadyStatusIsJustReady) {
  EXPECT_EQ(status_message({.ready = true, .key = "ready", .reason = "all checks pass"}),
            "STATUS=ready");
}

TEST(SystemdNotify, NotReadyStatusCarriesTheReason) {
  EXPECT_EQ(status_message({.ready = false,
                            .key = "schema:tables:missing",
                            .reason = "schema:tables: missing tables: permits"}),
            "STATUS=not ready: schema:tables: missing tables: permits");
}

}  // namespace
}  // namespace opsagent::daemon
