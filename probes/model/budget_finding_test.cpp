#include "probes/model/budget_finding.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

PoolReport report(bool fits, std::string arithmetic) {
  PoolReport r;
  ClientPoolUse web;
  web.name = "web";
  web.pattern = "web:*";
  web.instances = 4;
  r.clients.push_back(web);
  r.budget.fits = fits;
  r.budget.arithmetic = std::move(arithmetic);
  return r;
}

TEST(BudgetFinding, ReportedWhenFirstKnownThenOnlyOnChange) {
  BudgetFinding f;
  EXPECT_FALSE(f.observe(std::nullopt));  // database down: not known yet
  const auto over = report(false, "4×20 (web) + 1×20 (cron) = 100 > 97 usable slots");
  const auto first = f.observe(over);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->problem);
  EXPECT_NE(first->message.find("can exhaust Postgres: 4×20 (web) + 1×20 (cron) = 100 > 97"),
            std::string::npos)
      << first->message;
  // The same fact every cycle, or an outage in between, says nothing new.
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(f.observe(over));
  EXPECT_FALSE(f.observe(std::nullopt));
  EXPECT_FALSE(f.observe(over));
  // max_connections raised: the change is news.
  const auto fits = f.observe(report(true, "4×20 (web) + 1×20 (cron) = 100 <= 197 usable slots"));
  ASSERT_TRUE(fits);
  EXPECT_FALSE(fits->problem);
  EXPECT_NE(fits->message.find("fit in Postgres now"), std::string::npos) << fits->message;
}

TEST(BudgetFinding, NothingWithoutDeclaredClients) {
  BudgetFinding f;
  EXPECT_FALSE(f.observe(PoolReport{}));
}

}  // namespace
}  // namespace opsagent::probes
