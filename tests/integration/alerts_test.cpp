// The alert hooks end to end: the real agent against a real Postgres whose connections the test
// opens and closes, delivering to a local capture server (webhook) or a real Alertmanager.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <set>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/alertmanager.hpp"
#include "tests/support/capture_server.hpp"
#include "tests/support/run_binary.hpp"
#include "tests/support/temp_dir.hpp"

namespace opsagent::testing {
namespace {

using Requests = std::vector<CaptureServer::Request>;

// 32 key bytes, "opsagent-test-webhook-key-32byte", as a Standard Webhooks secret.
constexpr const char* kSecretKey = "opsagent-test-webhook-key-32byte";
constexpr const char* kSecret = "whsec_b3BzYWdlbnQtdGVzdC13ZWJob29rLWtleS0zMmJ5dGU=";

// Verifies a request as a Standard Webhooks consumer would, independently of the agent's code.
bool signature_verifies(const CaptureServer::Request& r) {
  const std::string signed_text =
      r.header("webhook-id") + "." + r.header("webhook-timestamp") + "." + r.body;
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), kSecretKey, 32, reinterpret_cast<const unsigned char*>(signed_text.data()),
       signed_text.size(), mac.data(), &mac_len);
  std::array<unsigned char, std::size_t{4} * EVP_MAX_MD_SIZE> b64{};
  EVP_EncodeBlock(b64.data(), mac.data(), static_cast<int>(mac_len));
  const std::string expected = "v1," + std::string(reinterpret_cast<char*>(b64.data()));
  const std::string header = r.header("webhook-signature");
  return !header.empty() && header.find(expected) != std::string::npos;
}

nlohmann::json body_of(const CaptureServer::Request& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

// "firing:warning", "escalated:critical", "resolved:warning" for each webhook request.
std::vector<std::string> events(const Requests& requests) {
  std::vector<std::string> out;
  for (const auto& r : requests) {
    const auto j = body_of(r);
    const auto& alert = j["alerts"][0];
    out.push_back(j["notification"]["kind"].get<std::string>() + ":" +
                  alert["labels"]["severity"].get<std::string>());
  }
  return out;
}

std::vector<std::string> events_of(const Requests& requests, const std::string& alertname) {
  Requests matching;
  for (const auto& r : requests) {
    if (body_of(r)["alerts"][0]["labels"]["alertname"] == alertname) matching.push_back(r);
  }
  return events(matching);
}

int count_of(const Requests& requests, const std::string& alertname, const std::string& kind) {
  int n = 0;
  for (const auto& r : requests) {
    const auto j = body_of(r);
    if (j["alerts"][0]["labels"]["alertname"] == alertname && j["notification"]["kind"] == kind) {
      ++n;
    }
  }
  return n;
}

// 20 usable slots (23 - 3 reserved for superusers): 16 sessions are 80%, 19 are 95%.
PgCluster::Options twenty_usable_slots() {
  return {.max_connections = 23, .superuser_reserved_connections = 3};
}

struct AlertsOptions {
  std::string receivers;  // [[alerts.receivers]] blocks
  std::string state_file;
  std::string pending = "0s";
  std::string keep_firing = "1s";
  std::string extra{};  // more [alerts] keys
};

std::string alerts_config(const AlertsOptions& o) {
  return "[pool]\nwarn = \"80%\"\ncritical = \"95%\"\n[alerts]\npending = \"" + o.pending +
         "\"\nkeep_firing = \"" + o.keep_firing + "\"\nstate_file = \"" + o.state_file + "\"\n" +
         o.extra + o.receivers;
}

std::string webhook_receiver(const CaptureServer& capture, const std::string& name = "hook") {
  return "[[alerts.receivers]]\nname = \"" + name + "\"\ntype = \"webhook\"\nurl = \"" +
         capture.url() + "\"\nsecret_env = \"HOOK_SECRET\"\ntimeout = \"2s\"\n";
}

class AlertsTest : public AgentTest {
 protected:
  void SetUp() override { cluster_ = std::make_unique<PgCluster>(twenty_usable_slots()); }

  // Opens or closes app sessions until exactly `n` are held.
  void hold(std::size_t n) {
    while (held_.size() > n) held_.pop_back();
    while (held_.size() < n) held_.push_back(cluster_->connect(cluster_->app_dsn()));
  }

  AgentProcess& start(const AlertsOptions& o) {
    return start_agent(agent_config("", {}, "") + alerts_config(o), cluster_->app_dsn(),
                       {{"HOOK_SECRET", kSecret}});
  }

  std::unique_ptr<PgCluster> cluster_;
  std::vector<std::unique_ptr<HeldConnection>> held_;
  TempDir dir_{"opsagent-alerts"};
};

// With no receivers there is nothing to send and nothing to keep: no state file is read or
// written (it used to log "cannot write /var/lib/opsagent/alerts.json.tmp" at every start and
// shutdown). With receivers and no alerts.state_file, systemd's STATE_DIRECTORY is used.
TEST_F(AlertsTest, NoStateFileWithoutReceiversAndTheDefaultPlaceWithThem) {
  TempDir state("opsagent-state");
  start_agent(agent_config("", {}, ""), cluster_->app_dsn(), {{"STATE_DIRECTORY", state.path()}});
  ASSERT_TRUE(wait_ready(200, 15s));
  ASSERT_TRUE(wait_for_cycles(3, 10s));
  agent_->signal(SIGTERM);
  ASSERT_TRUE(agent_->wait_exit(15s));
  EXPECT_EQ(agent_->log().find("alerts.json"), std::string::npos) << agent_->log();
  EXPECT_EQ(agent_->log().find("cannot write"), std::string::npos) << agent_->log();
  EXPECT_FALSE(std::filesystem::exists(state.file("alerts.json")));

  CaptureServer capture;
  start_agent(agent_config("", {}, "") + "[alerts]\n" + webhook_receiver(capture),
              cluster_->app_dsn(), {{"HOOK_SECRET", kSecret}, {"STATE_DIRECTORY", state.path()}});
  ASSERT_TRUE(wait_ready(200, 15s));
  agent_->signal(SIGTERM);
  ASSERT_TRUE(agent_->wait_exit(15s));
  EXPECT_TRUE(std::filesystem::exists(state.file("alerts.json"))) << agent_->log();
  EXPECT_EQ(agent_->log().find("cannot write"), std::string::npos) << agent_->log();
}

TEST_F(AlertsTest, WarningThenCriticalThenResolvedThroughASignedWebhook) {
  CaptureServer capture;
  start({.receivers = webhook_receiver(capture), .state_file = dir_.file("alerts.json")});
  ASSERT_TRUE(wait_ready(200, 15s));

  hold(16);  // 80%
  ASSERT_TRUE(capture.wait_until([](const Requests& r) { return !r.empty(); }, 15s));
  hold(19);  // 95%
  ASSERT_TRUE(capture.wait_until([](const Requests& r) { return r.size() >= 2; }, 15s));
  hold(0);
  ASSERT_TRUE(capture.wait_until([](const Requests& r) { return r.size() >= 3; }, 15s));
  ASSERT_TRUE(wait_for_cycles(5, 10s));  // nothing more follows

  const auto requests = capture.requests();
  EXPECT_EQ(events(requests), (std::vector<std::string>{"firing:warning", "escalated:critical",
                                                        "resolved:critical"}));
  std::set<std::string> ids;
  for (const auto& r : requests) {
    EXPECT_TRUE(signature_verifies(r)) << r.header("webhook-signature");
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    ids.insert(r.header("webhook-id"));
    const auto j = body_of(r);
    EXPECT_EQ(j["version"], "4");
    EXPECT_EQ(j["alerts"][0]["labels"]["alertname"], "PostgresPoolSaturation");
    EXPECT_EQ(j["alerts"][0]["fingerprint"], body_of(requests[0])["alerts"][0]["fingerprint"]);
    EXPECT_EQ(r.body.find(PgCluster::kAppPassword), std::string::npos);
  }
  EXPECT_EQ(ids.size(), 3u);  // one id per notification
  const auto firing = body_of(requests[0]);
  EXPECT_EQ(firing["status"], "firing");
  const std::string description = firing["alerts"][0]["annotations"]["description"];
  EXPECT_NE(description.find("16/20 usable connection slots in use (80.0%)"), std::string::npos)
      << description;
  EXPECT_EQ(body_of(requests[2])["status"], "resolved");
  // The resolve says the numbers at resolve time (none of the 20 slots held by the test) and
  // the incident's peak, not the numbers it fired with.
  const std::string resolved = body_of(requests[2])["alerts"][0]["annotations"]["summary"];
  EXPECT_TRUE(resolved.starts_with("resolved: now ready; ")) << resolved;
  EXPECT_NE(resolved.find("peak: Postgres connections at 95% (19/20"), std::string::npos)
      << resolved;
  EXPECT_EQ(resolved.find("at 80%"), std::string::npos) << resolved;
  // A tampered body no longer verifies: the check above can fail.
  auto tampered = requests[0];
  tampered.body += " ";
  EXPECT_FALSE(signature_verifies(tampered));

  const auto metrics = get("/metrics").body;
  EXPECT_NE(
      metrics.find(R"(opsagent_alert_notifications_total{outcome="delivered",receiver="hook"} 3)"),
      std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("opsagent_alert_leader 1"), std::string::npos);
  const auto status = get("/status").body;
  EXPECT_NE(status.find("alerts: leader"), std::string::npos) << status;
  EXPECT_NE(status.find("receiver hook (webhook): 3 delivered"), std::string::npos) << status;
}

TEST_F(AlertsTest, AlertmanagerShowsTheAlertAndForgetsItOnResolve) {
  Alertmanager am;
  const std::string receiver =
      "[[alerts.receivers]]\nname = \"am\"\ntype = \"alertmanager\"\nurl = \"" + am.url() +
      "\"\nrules = [\"pool_saturation\"]\n";
  start({.receivers = receiver, .state_file = dir_.file("alerts.json")});
  ASSERT_TRUE(wait_ready(200, 15s));
  hold(16);
  nlohmann::json shown;
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& a : am.alerts()) {
          if (a["labels"]["alertname"] == "PostgresPoolSaturation") shown = a;
        }
        return !shown.is_null();
      },
      20s, 100ms))
      << am.log();
  EXPECT_EQ(shown["labels"]["severity"], "warning");
  EXPECT_EQ(shown["status"]["state"], "active");
  EXPECT_NE(shown["annotations"]["summary"].get<std::string>().find("16/20"), std::string::npos);
  hold(0);
  EXPECT_TRUE(eventually(
      [&] {
        for (const auto& a : am.alerts()) {
          if (a["labels"]["alertname"] == "PostgresPoolSaturation") return false;
        }
        return true;
      },
      20s, 100ms))
      << am.alerts().dump(2);
}

TEST_F(AlertsTest, FlappingInsideTheHysteresisBandSendsNothingNew) {
  CaptureServer capture;
  // Fires at 80% (16), clears only below 70% (14); keep_firing 0s so only the band holds it.
  start({.receivers = webhook_receiver(capture),
         .state_file = dir_.file("alerts.json"),
         .keep_firing = "0s",
         .extra = "clear_below = \"70%\"\n"});
  ASSERT_TRUE(wait_ready(200, 15s));
  hold(16);
  ASSERT_TRUE(capture.wait_until([](const Requests& r) { return !r.empty(); }, 15s));
  for (int i = 0; i < 3; ++i) {
    hold(15);  // 75%: under warn, inside the band
    ASSERT_TRUE(wait_for_cycles(3, 10s));
    hold(16);
    ASSERT_TRUE(wait_for_cycles(3, 10s));
  }
  EXPECT_EQ(events(capture.requests()), std::vector<std::string>{"firing:warning"});
  hold(13);  // 65%: below the band
  ASSERT_TRUE(capture.wait_until([](const Requests& r) { return r.size() >= 2; }, 15s));
  EXPECT_EQ(events(capture.requests()),
            (std::vector<std::string>{"firing:warning", "resolved:warning"}));
}

TEST_F(AlertsTest, RestartMidIncidentSendsTheResolveExactlyOnce) {
  CaptureServer capture;
  const AlertsOptions options{.receivers = webhook_receiver(capture),
                              .state_file = dir_.file("alerts.json")};
  start(options);
  ASSERT_TRUE(wait_ready(200, 15s));
  hold(16);
  ASSERT_TRUE(capture.wait_until([](const Requests& r) { return !r.empty(); }, 15s));
  agent_->signal(SIGTERM);
  ASSERT_TRUE(agent_->wait_exit(10s).has_value());
  ASSERT_TRUE(std::filesystem::exists(dir_.file("alerts.json")));

  start(options);  // still at 80%: the restarted agent must not fire again
  ASSERT_TRUE(wait_ready(200, 15s));
  ASSERT_TRUE(wait_for_cycles(5, 10s));
  EXPECT_EQ(events(capture.requests()), std::vector<std::string>{"firing:warning"});
  EXPECT_NE(get("/status").body.find("PostgresPoolSaturation"), std::string::npos);

  agent_->signal(SIGTERM);
  ASSERT_TRUE(agent_->wait_exit(10s).has_value());
  hold(0);  // the incident ends while no agent runs
  start(options);
  ASSERT_TRUE(capture.wait_until([](const Requests& r) { return r.size() >= 2; }, 15s));
  ASSERT_TRUE(wait_for_cycles(8, 10s));
  EXPECT_EQ(events(capture.requests()),
            (std::vector<std::string>{"firing:warning", "resolved:warning"}));
}

TEST_F(AlertsTest, AHangingReceiverDelaysNeitherProbingNorServing) {
  CaptureServer capture;
  capture.hang(true);
  start({.receivers = webhook_receiver(capture), .state_file = dir_.file("alerts.json")});
  ASSERT_TRUE(wait_ready(200, 15s));
  hold(19);
  ASSERT_TRUE(capture.wait_until([](const Requests& r) { return !r.empty(); }, 15s));
  // The receiver holds the request; cycles go on and every answer stays fast.
  ASSERT_TRUE(wait_for_cycles(10, 10s));
  for (int i = 0; i < 20; ++i) {
    const auto reply = get("/health/ready");
    EXPECT_EQ(reply.status, 200);
    EXPECT_LT(reply.elapsed, 250ms);
  }
  capture.hang(false);
}

TEST_F(AlertsTest, RetriesOn500And429ThenDelivers_AndA410DisablesTheReceiver) {
  CaptureServer capture;
  capture.respond_with({{.status = 500}, {.status = 429, .headers = {{"Retry-After", "1"}}}});
  start({.receivers = webhook_receiver(capture), .state_file = dir_.file("alerts.json")});
  ASSERT_TRUE(wait_ready(200, 15s));
  hold(16);
  ASSERT_TRUE(capture.wait_until([](const Requests& r) { return r.size() >= 3; }, 20s));
  auto requests = capture.requests();
  EXPECT_EQ(requests[0].header("webhook-id"), requests[2].header("webhook-id"));
  EXPECT_GE(requests[2].at - requests[1].at, 900ms);  // Retry-After: 1
  ASSERT_TRUE(wait_for_cycles(5, 10s));
  EXPECT_EQ(capture.requests().size(), 3u);

  capture.respond_with({{.status = 410}});
  hold(0);  // the resolve meets 410 Gone
  ASSERT_TRUE(capture.wait_until([](const Requests& r) { return r.size() >= 4; }, 15s));
  ASSERT_TRUE(
      eventually([&] { return get("/status").body.find("DISABLED") != std::string::npos; }, 10s));
  hold(16);  // fires again: nothing goes to a disabled receiver
  ASSERT_TRUE(wait_for_cycles(10, 10s));
  EXPECT_EQ(capture.requests().size(), 4u);
  EXPECT_NE(get("/metrics").body.find(R"(opsagent_alert_receiver_disabled{receiver="hook"} 1)"),
            std::string::npos);
  EXPECT_TRUE(agent_->wait_for_log("410", 1s));
}

TEST_F(AlertsTest, TwoAgentsSendOneNotificationAndTheSecondTakesOver) {
  CaptureServer capture;
  const AlertsOptions options{.receivers = webhook_receiver(capture),
                              .state_file = dir_.file("a.json")};
  start(options);
  ASSERT_TRUE(wait_ready(200, 15s));
  ASSERT_TRUE(eventually(
      [&] { return get("/status").body.find("alerts: leader") != std::string::npos; }, 10s));
  auto first = std::move(agent_);
  AlertsOptions second_options = options;
  second_options.state_file = dir_.file("b.json");
  start(second_options);
  ASSERT_TRUE(wait_ready(200, 15s));
  ASSERT_TRUE(eventually(
      [&] { return get("/status").body.find("alerts: follower") != std::string::npos; }, 10s));

  hold(16);
  ASSERT_TRUE(capture.wait_until([](const Requests& r) { return !r.empty(); }, 15s));
  ASSERT_TRUE(wait_for_cycles(10, 10s));  // the follower has seen it too, and stayed silent
  EXPECT_TRUE(agent_->wait_for_log("PostgresPoolSaturation firing", 1s));
  EXPECT_EQ(events(capture.requests()), std::vector<std::string>{"firing:warning"});

  first->signal(SIGKILL);  // its session ends; the server releases the lock
  ASSERT_TRUE(first->wait_exit(5s).has_value());
  ASSERT_TRUE(eventually(
      [&] { return get("/status").body.find("alerts: leader") != std::string::npos; }, 15s));
  // The new leader cannot know what the old one delivered: it says the alert is still firing.
  ASSERT_TRUE(capture.wait_until([](const Requests& r) { return r.size() >= 2; }, 15s));
  hold(0);
  ASSERT_TRUE(capture.wait_until([](const Requests& r) { return r.size() >= 3; }, 15s));
  ASSERT_TRUE(wait_for_cycles(5, 10s));
  const auto requests = capture.requests();
  EXPECT_EQ(events(requests),
            (std::vector<std::string>{"firing:warning", "reminder:warning", "resolved:warning"}));
  EXPECT_EQ(body_of(requests[1])["alerts"][0]["fingerprint"],
            body_of(requests[0])["alerts"][0]["fingerprint"]);
}

TEST_F(AlertsTest, ReadinessLostWithItsReasonInhibitsPoolAlertsAndRecovers) {
  CaptureServer capture;
  start({.receivers = webhook_receiver(capture), .state_file = dir_.file("alerts.json")});
  ASSERT_TRUE(wait_ready(200, 15s));
  hold(16);
  ASSERT_TRUE(capture.wait_until([](const Requests& r) { return !r.empty(); }, 15s));
  held_.clear();  // the server is going away: its sessions with it
  cluster_->stop();
  ASSERT_TRUE(capture.wait_until(
      [](const Requests& r) { return count_of(r, "DatabaseNotReady", "firing") == 1; }, 15s));
  ASSERT_TRUE(wait_for_cycles(5, 10s));
  const auto requests = capture.requests();
  // The saturation alert is neither resolved nor repeated while the database cannot be seen.
  EXPECT_EQ(events_of(requests, "PostgresPoolSaturation"),
            std::vector<std::string>{"firing:warning"});
  for (const auto& r : requests) {
    const auto j = body_of(r);
    if (j["alerts"][0]["labels"]["alertname"] != "DatabaseNotReady") continue;
    EXPECT_EQ(j["alerts"][0]["labels"]["severity"], "critical");
    // Its reason: a cycle that meets the server mid-shutdown says so (class starting_up, which
    // covers starting, shutting down and recovery, and the server's words); later ones, refused.
    const auto& annotations = j["alerts"][0]["annotations"];
    const auto summary = annotations["summary"].get<std::string>();
    const auto description = annotations["description"].get<std::string>();
    EXPECT_TRUE(summary.find("refused") != std::string::npos ||
                (summary.find("starting_up") != std::string::npos &&
                 description.find("shutting down") != std::string::npos))
        << r.body;
  }
  cluster_->start();
  ASSERT_TRUE(capture.wait_until(
      [](const Requests& r) {
        return count_of(r, "DatabaseNotReady", "resolved") == 1 &&
               count_of(r, "PostgresPoolSaturation", "resolved") == 1;
      },
      20s));
}

TEST_F(AlertsTest, TestAlertCommandDeliversToTheNamedReceiver) {
  CaptureServer capture;
  TempDir dir("opsagent-test-alert");
  const std::string config =
      agent_config("", {}, "") + alerts_config({.receivers = webhook_receiver(capture),
                                                .state_file = dir.file("alerts.json")});
  std::ofstream(dir.file("opsagent.toml")) << config;
  const std::map<std::string, std::string> env{{"HOOK_SECRET", kSecret},
                                               {"DATABASE_URL", cluster_->app_dsn()}};
  const auto sent = run_agent_cli(
      {"test-alert", "--receiver", "hook", "--config", dir.file("opsagent.toml")}, env);
  EXPECT_EQ(sent.exit_code, 0) << sent.err;
  EXPECT_NE(sent.out.find("delivered a test notification to hook"), std::string::npos);
  ASSERT_EQ(capture.requests().size(), 1u);
  EXPECT_TRUE(signature_verifies(capture.requests()[0]));
  EXPECT_EQ(body_of(capture.requests()[0])["alerts"][0]["labels"]["alertname"],
            "OpsagentTestAlert");

  const auto unknown = run_agent_cli(
      {"test-alert", "--receiver", "nope", "--config", dir.file("opsagent.toml")}, env);
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_NE(unknown.err.find("no receiver named \"nope\""), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("receivers: hook"), std::string::npos);

  capture.respond_with({{.status = 400}});
  const auto refused = run_agent_cli(
      {"test-alert", "--receiver", "hook", "--config", dir.file("opsagent.toml")}, env);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("400"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find("/hook"), std::string::npos) << "URL path leaked: " << refused.err;
}

// A URL in the variable named by url_env is held to the rules the config checker applies to url:
// `validate` warns of one it would refuse (when the variable is set there), and sending refuses
// it by name, without printing the URL's secret parts or sending anything.
TEST_F(AlertsTest, AnUnusableUrlEnvIsAValidateWarningAndANamedDeliveryFailure) {
  CaptureServer capture;
  TempDir dir("opsagent-url-env");
  const std::string receivers =
      "[[alerts.receivers]]\nname = \"hook\"\ntype = \"webhook\"\nurl_env = \"HOOK_URL\"\n"
      "timeout = \"2s\"\n";
  std::ofstream(dir.file("opsagent.toml"))
      << agent_config("", {}, "") +
             alerts_config({.receivers = receivers, .state_file = dir.file("alerts.json")});
  const std::string with_password =
      "http://opsuser:Pw-SECRET@127.0.0.1:" + std::to_string(capture.port()) + "/hook";
  const std::map<std::string, std::string> env{{"HOOK_URL", with_password},
                                               {"DATABASE_URL", cluster_->app_dsn()}};

  const auto validated = run_agent_cli({"validate", "--config", dir.file("opsagent.toml")}, env);
  EXPECT_EQ(validated.exit_code, 0) << validated.err;
  EXPECT_NE(validated.err.find("warning: alerts.receivers[0].url_env (receiver \"hook\"): "
                               "environment variable HOOK_URL"),
            std::string::npos)
      << validated.err;
  EXPECT_EQ(validated.err.find("Pw-SECRET"), std::string::npos) << validated.err;

  const auto sent = run_agent_cli(
      {"test-alert", "--receiver", "hook", "--config", dir.file("opsagent.toml")}, env);
  EXPECT_EQ(sent.exit_code, 2) << sent.err;
  EXPECT_NE(sent.err.find("not delivered to hook: environment variable HOOK_URL"),
            std::string::npos)
      << sent.err;
  EXPECT_EQ(sent.err.find("Pw-SECRET"), std::string::npos) << sent.err;
  EXPECT_EQ(sent.err.find("opsuser"), std::string::npos) << sent.err;
  EXPECT_TRUE(capture.requests().empty());

  // Unset at validate time (CI, a laptop): nothing to say yet.
  const auto unset = run_agent_cli({"validate", "--config", dir.file("opsagent.toml")},
                                   {{"DATABASE_URL", cluster_->app_dsn()}});
  EXPECT_EQ(unset.exit_code, 0) << unset.err;
  EXPECT_EQ(unset.err.find("url_env"), std::string::npos) << unset.err;
}

}  // namespace
}  // namespace opsagent::testing
