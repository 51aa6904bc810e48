// [pool] terminate_*: the guarded termination of idle in transaction sessions, its defaults and
// its mistakes (a missing role, a limit shorter than the warning) with file:line:col.
#include <gtest/gtest.h>

#include <chrono>

#include "config/load.hpp"
#include "config/test_helpers.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

TEST(LoadPoolTermination, OffByDefault) {
  const PoolSection p = loaded("").pool;
  EXPECT_EQ(p.terminate_idle_in_transaction, PoolSection::Terminate::off);
  EXPECT_EQ(p.terminate_after, 10min);
  EXPECT_EQ(p.terminate_role, "");
}

TEST(LoadPoolTermination, EveryKey) {
  const PoolSection p = loaded(
                            "[pool]\nterminate_idle_in_transaction = \"dry_run\"\n"
                            "terminate_after = \"2m\"\nterminate_role = \"app-web.1\"\n")
                            .pool;
  EXPECT_EQ(p.terminate_idle_in_transaction, PoolSection::Terminate::dry_run);
  EXPECT_EQ(p.terminate_after, 2min);
  EXPECT_EQ(p.terminate_role, "app-web.1");
  EXPECT_EQ(loaded("[pool]\nterminate_idle_in_transaction = \"on\"\nterminate_role = \"app\"\n")
                .pool.terminate_idle_in_transaction,
            PoolSection::Terminate::on);
}

TEST(LoadPoolTermination, RoleIsRequiredUnlessOff) {
  expect_single_error("[pool]\nterminate_idle_in_transaction = \"dry_run\"\n",
                      {2, 33, "pool.terminate_role", "terminate_role = \"app\""});
  expect_single_error("[pool]\nterminate_idle_in_transaction = \"on\"\n",
                      {2, 33, "pool.terminate_role", "missing while"});
  EXPECT_NO_FATAL_FAILURE(loaded("[pool]\nterminate_idle_in_transaction = \"off\"\n"));
}

TEST(LoadPoolTermination, LimitMustNotBeShorterThanTheWarning) {
  expect_single_error("[pool]\nterminate_after = \"30s\"\n",
                      {2, 19, "pool.terminate_after",
                       "pool.terminate_after (30s) is shorter than pool.idle_in_transaction_warn "
                       "(1m)"});
  expect_single_error("[pool]\nidle_in_transaction_warn = \"20m\"\n",
                      {2, 28, "pool.terminate_after", "pool.idle_in_transaction_warn (20m)"});
  EXPECT_EQ(loaded("[pool]\nterminate_after = \"30s\"\nidle_in_transaction_warn = \"30s\"\n")
                .pool.terminate_after,
            30s);
}

TEST(LoadPoolTermination, Mistakes) {
  expect_single_error(
      "[pool]\nterminate_idle_in_transaction = \"yes\"\n",
      {2, 33, "pool.terminate_idle_in_transaction", "use off (never terminate), dry_run"});
  expect_single_error(
      "[pool]\nterminate_idle_in_transaction = \"dry-run\"\nterminate_role = \"a\"\n",
      {2, 33, "pool.terminate_idle_in_transaction", "did you mean \"dry_run\""});
  expect_single_error("[pool]\nterminate_after = \"5s\"\n", {2, 19, "pool.terminate_after", "10s"});
  expect_single_error("[pool]\nterminate_after = \"25h\"\n",
                      {2, 19, "pool.terminate_after", "24h"});
  expect_single_error("[pool]\nterminate_role = \"app; drop\"\n",
                      {2, 18, "pool.terminate_role", "position 4"});
  EXPECT_NO_FATAL_FAILURE(loaded("[pool]\nterminate_role = \"\"\n")) << "\"\" is the default";
}

}  // namespace
}  // namespace opsagent::config
