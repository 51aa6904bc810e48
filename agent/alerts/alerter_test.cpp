// The Alerter driven cycle by cycle with snapshots, delivering to a local webhook receiver:
// what it sends, in which order, as leader and as follower, and what it publishes for /status.
#include "agent/alerts/alerter.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "agent/alerts/test_snapshots.hpp"
#include "tests/support/capture_server.hpp"
#include "tests/support/wait.hpp"

namespace opsagent::alerts {
namespace {

using namespace std::chrono_literals;
using Requests = std::vector<testing::CaptureServer::Request>;

constexpr auto kWait = 10s;  // bound of every wait for a delivery

// Fires at once and resolves at once, keeps its state in memory, sends to `capture`.
config::Config config_for(const testing::CaptureServer& capture, bool leader_election = false) {
  config::Config c;
  c.alerts.pending = config::Duration{0};
  c.alerts.keep_firing = config::Duration{0};
  c.alerts.state_file = "";
  c.alerts.leader_election = leader_election;
  config::AlertReceiver hook;
  hook.name = "hook";
  hook.type = config::AlertReceiver::Type::webhook;
  hook.url = capture.url("/hook");
  hook.timeout = 2s;
  c.alerts.receivers = {hook};
  return c;
}

// "kind:severity" of each webhook body: "firing:critical", "resolved:critical".
std::vector<std::string> events(const Requests& requests) {
  std::vector<std::string> out;
  for (const auto& r : requests) {
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) {
      out.emplace_back("unparsable");
      continue;
    }
    out.push_back(j["notification"]["kind"].get<std::string>() + ":" +
                  j["alerts"][0]["labels"]["severity"].get<std::string>());
  }
  return out;
}

bool received(const testing::CaptureServer& capture, std::size_t n) {
  return capture.wait_until([n](const Requests& r) { return r.size() >= n; }, kWait);
}

const AgentIdentity kWho{"agent-host", "db.internal:5432/app", ""};

// No variables at all: the receivers here need none, and nothing else may leak in.
std::optional<std::string> no_variables(std::string_view /*name*/) {
  return std::nullopt;
}

TEST(Alerter, FiresThenResolvesThroughTheReceiver) {
  testing::CaptureServer capture;
  const auto config = config_for(capture);
  Alerter alerter(config, no_variables, kWho);

  alerter.observe(snapshot(config, 96), config);
  ASSERT_TRUE(received(capture, 1));
  auto status = alerter.status();
  EXPECT_EQ(status->role, Role::leader);
  ASSERT_EQ(status->firing.size(), 1u);
  EXPECT_EQ(status->firing[0].labels.at("alertname"), "PostgresPoolSaturation");

  alerter.observe(snapshot(config, 10), config);
  ASSERT_TRUE(received(capture, 2));
  EXPECT_EQ(events(capture.requests()),
            (std::vector<std::string>{"firing:critical", "resolved:critical"}));
  const auto body = nlohmann::json::parse(capture.requests()[0].body);
  EXPECT_EQ(body["receiver"], "hook");
  EXPECT_EQ(body["agent"]["instance"], "agent-host");
  EXPECT_EQ(capture.requests()[0].path, "/hook");

  // The counters are published once the queue has recorded the answer (after the server saw it).
  ASSERT_TRUE(testing::eventually(
      [&] {
        const auto s = alerter.status();
        return s->receivers.size() == 1 && s->receivers[0].stats.delivered == 2;
      },
      kWait));
  status = alerter.status();
  EXPECT_TRUE(status->firing.empty());
  ASSERT_EQ(status->receivers.size(), 1u);
  EXPECT_EQ(status->receivers[0].name, "hook");
  EXPECT_EQ(status->receivers[0].type, "webhook");
  EXPECT_EQ(status->receivers[0].stats.delivered, 2u);
}

TEST(Alerter, AFollowerStaysSilentAndAnnouncesWhatFiresWhenItTakesOver) {
  testing::CaptureServer capture;
  const auto config = config_for(capture, /*leader_election=*/true);
  Alerter alerter(config, no_variables, kWho);

  auto busy = snapshot(config, 96);
  busy.alert_leader = false;
  alerter.observe(busy, config);
  alerter.observe(busy, config);
  EXPECT_EQ(alerter.status()->role, Role::follower);
  EXPECT_EQ(alerter.status()->firing.size(), 1u);  // evaluated all the same

  busy.alert_leader = true;
  alerter.observe(busy, config);
  EXPECT_EQ(alerter.status()->role, Role::leader);
  ASSERT_TRUE(received(capture, 1));
  alerter.stop(2s);
  // The first request is the takeover's reminder: as follower it sent nothing (per receiver,
  // notifications leave in order).
  EXPECT_EQ(events(capture.requests()), std::vector<std::string>{"reminder:critical"});
}

TEST(Alerter, WithoutReceiversItIsOffAndKeepsNothing) {
  config::Config config;
  config.alerts.state_file = "";
  Alerter alerter(config, no_variables, kWho);
  alerter.observe(snapshot(config, 96), config);
  const auto status = alerter.status();
  EXPECT_EQ(status->role, Role::off);
  EXPECT_TRUE(status->firing.empty());
  EXPECT_TRUE(status->receivers.empty());
}

TEST(Alerter, AReloadAddingAReceiverTurnsAlertingOn) {
  testing::CaptureServer capture;
  config::Config off;
  off.alerts.state_file = "";
  Alerter alerter(off, no_variables, kWho);
  alerter.observe(snapshot(off, 96), off);
  EXPECT_EQ(alerter.status()->role, Role::off);

  const auto on = config_for(capture);
  alerter.observe(snapshot(on, 96), on);
  ASSERT_TRUE(received(capture, 1));
  EXPECT_EQ(alerter.status()->role, Role::leader);
  EXPECT_EQ(events(capture.requests()).front(), "firing:critical");
}

}  // namespace
}  // namespace opsagent::alerts
