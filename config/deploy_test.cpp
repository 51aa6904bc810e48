// [deploy] and the exhaustion forecast's [pool] keys: defaults, every form, the Railway default
// of overlap, and the mistakes with file:line:col.
#include <gtest/gtest.h>

#include <chrono>

#include "config/load.hpp"
#include "config/test_helpers.hpp"

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

TEST(LoadDeploy, DefaultsOffRailway) {
  const Config c = loaded("");
  EXPECT_EQ(c.deploy.overlap, 1);
  EXPECT_FALSE(c.deploy.overlap_from_platform);
  EXPECT_FALSE(c.deploy.gate);
  EXPECT_EQ(c.pool.forecast_window, 15min);
  EXPECT_EQ(c.pool.forecast_horizon, 30min);
}

TEST(LoadDeploy, OverlapIsABooleanOrANumberOfDeployments) {
  EXPECT_EQ(loaded("[deploy]\noverlap = true\n").deploy.overlap, 2);
  EXPECT_EQ(loaded("[deploy]\noverlap = false\n").deploy.overlap, 1);
  EXPECT_EQ(loaded("[deploy]\noverlap = 3\n").deploy.overlap, 3);
  const DeploySection d = loaded("[deploy]\noverlap = 2\ngate = true\n").deploy;
  EXPECT_EQ(d, (DeploySection{.overlap = 2, .overlap_from_platform = false, .gate = true}));
}

TEST(LoadDeploy, OnRailwayOverlapDefaultsToTrueUnlessTheFileSaysSo) {
  const auto railway = env_of({{"RAILWAY_DEPLOYMENT_ID", "0b8f-1c2d"}});
  const DeploySection d = loaded("", railway).deploy;
  EXPECT_EQ(d.overlap, 2);
  EXPECT_TRUE(d.overlap_from_platform);
  EXPECT_EQ(loaded("", env_of({{"RAILWAY_SERVICE_ID", "s"}})).deploy.overlap, 2);
  EXPECT_EQ(loaded("[deploy]\noverlap = false\n", railway).deploy.overlap, 1);
  EXPECT_FALSE(loaded("[deploy]\noverlap = false\n", railway).deploy.overlap_from_platform);
  // An empty variable is no Railway (as PORT=).
  EXPECT_EQ(loaded("", env_of({{"RAILWAY_DEPLOYMENT_ID", ""}})).deploy.overlap, 1);
}

TEST(LoadDeploy, Mistakes) {
  expect_single_error("[deploy]\noverlap = \"yes\"\n",
                      {2, 11, "deploy.overlap", "expected true, false or a number of deployments"});
  expect_single_error("[deploy]\noverlap = 0\n",
                      {2, 11, "deploy.overlap", "0 is out of range; use 1..10"});
  expect_single_error("[deploy]\noverlap = 11\n", {2, 11, "deploy.overlap", "out of range"});
  expect_single_error("[deploy]\ngate = 1\n", {2, 8, "deploy.gate", "expected true or false"});
}

TEST(LoadPoolForecast, WindowAndHorizon) {
  const Config c = loaded("[pool]\nforecast_window = \"30m\"\nforecast_horizon = \"0s\"\n");
  EXPECT_EQ(c.pool.forecast_window, 30min);
  EXPECT_EQ(c.pool.forecast_horizon, 0s);
  expect_single_error("[pool]\nforecast_window = \"1m\"\n", {2, 19, "pool.forecast_window", "5m"});
  expect_single_error("[pool]\nforecast_window = \"2h\"\n", {2, 19, "pool.forecast_window", "1h"});
  expect_single_error("[pool]\nforecast_horizon = \"30s\"\n",
                      {2, 20, "pool.forecast_horizon", "1m"});
}

}  // namespace
}  // namespace opsagent::config
