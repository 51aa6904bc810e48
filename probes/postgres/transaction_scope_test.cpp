#include "probes/postgres/transaction_scope.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

std::vector<PipelineStatement> body() {
  return {PipelineStatement{"SELECT 1", {}, true}, PipelineStatement{"SELECT 2", {"x"}, true}};
}

config::DatabaseSection database() {
  config::DatabaseSection db;
  db.statement_timeout = config::Duration{3000};
  db.lock_timeout = config::Duration{700};
  return db;
}

// On the agent's own session: only the body, prepared, one Sync at the end.
TEST(ProbeSegment, OwnedSessionSendsTheBodyPreparedWithOneSync) {
  const auto segment = probe_segment(database(), body(), true);
  ASSERT_EQ(segment.size(), 2U);
  EXPECT_EQ(segment[0].sql, "SELECT 1");
  EXPECT_TRUE(segment[0].prepared);
  EXPECT_FALSE(segment[0].sync_after);
  EXPECT_EQ(segment[1].sql, "SELECT 2");
  EXPECT_TRUE(segment[1].prepared);
  EXPECT_TRUE(segment[1].sync_after);
}

// Behind a pooler: today's transaction-scoped settings first, nothing prepared under a name.
TEST(ProbeSegment, PooledSessionGetsTransactionScopedSettingsAndNoNamedStatement) {
  const auto segment = probe_segment(database(), body(), false);
  ASSERT_EQ(segment.size(), 3U);
  EXPECT_NE(segment[0].sql.find("set_config('statement_timeout', $1, true)"), std::string::npos);
  for (const auto& s : segment) EXPECT_FALSE(s.prepared) << s.sql;
  EXPECT_FALSE(segment[1].sync_after);
  EXPECT_TRUE(segment[2].sync_after);
}

TEST(SessionSettings, SessionLevelLimitsReadOnlyAndGenericPlans) {
  const auto s = session_settings(database());
  EXPECT_NE(s.sql.find("set_config('statement_timeout', $1, false)"), std::string::npos);
  EXPECT_NE(s.sql.find("set_config('lock_timeout', $2, false)"), std::string::npos);
  EXPECT_NE(s.sql.find("set_config('default_transaction_read_only', 'on', false)"),
            std::string::npos);
  EXPECT_NE(s.sql.find("set_config('plan_cache_mode', 'force_generic_plan', false)"),
            std::string::npos);
  EXPECT_EQ(s.params.at(0), "3000ms");
  EXPECT_EQ(s.params.at(1), "700ms");
  EXPECT_FALSE(s.prepared);
  EXPECT_TRUE(s.sync_after);
}

// The user's SQL is planned as the server would, whatever the session's plan_cache_mode.
TEST(ScopedSegment, UserSqlSegmentsRestorePlanCacheModeForTheirTransaction) {
  const auto user = scoped_segment(database(), body(), true);
  EXPECT_NE(user[0].sql.find("set_config('plan_cache_mode', NULL, true)"), std::string::npos);
  EXPECT_EQ(user.back().sql, "ROLLBACK");
  const auto own = scoped_segment(database(), body(), false);
  EXPECT_EQ(own[0].sql.find("plan_cache_mode"), std::string::npos);
}

}  // namespace
}  // namespace opsagent::probes
