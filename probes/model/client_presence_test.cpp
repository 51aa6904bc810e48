#include "probes/model/client_presence.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

ClientPoolUse client(std::string name, std::string pattern, int instances, int connected) {
  ClientPoolUse c;
  c.name = std::move(name);
  c.pattern = std::move(pattern);
  c.instances = instances;
  c.pool_max = 20;
  for (int i = 0; i < connected; ++i) {
    c.per_instance.push_back({c.name + ":" + std::to_string(i), 3, false});
    c.connections += 3;
  }
  return c;
}

TEST(ClientPresence, NothingDeclaredNothingToSay) {
  EXPECT_FALSE(client_presence_check(PoolReport{}));
}

TEST(ClientPresence, AllConnectedPasses) {
  PoolReport r;
  r.clients = {client("web", "web:*", 4, 2), client("cron", "cron", 1, 1)};
  const auto c = client_presence_check(r);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "pool:connected");
  EXPECT_EQ(c->status, CheckStatus::pass);
  EXPECT_FALSE(c->gates_readiness);
}

TEST(ClientPresence, AClientWithNoInstanceConnectedWarns) {
  PoolReport r;
  r.clients = {client("web", "web:*", 4, 0), client("cron", "cron", 1, 1)};
  const auto c = client_presence_check(r);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, CheckStatus::warn);
  EXPECT_FALSE(c->gates_readiness);  // the database is fine: never a reason to leave rotation
  EXPECT_EQ(c->error, ErrorClass::none);
  EXPECT_NE(c->message.find("web (web:*, none of 4 instances)"), std::string::npos) << c->message;
  EXPECT_EQ(c->message.find("cron"), std::string::npos) << c->message;
  EXPECT_EQ(c->observed_value, 1.0);
}

}  // namespace
}  // namespace opsagent::probes
