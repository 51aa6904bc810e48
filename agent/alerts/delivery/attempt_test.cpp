// One attempt over HTTP against local servers: bodies, signatures, variables, URLs, timeouts.
#include "agent/alerts/delivery/attempt.hpp"

#include "agent/alerts/payloads/payloads.hpp"

#include <gtest/gtest.h>

#include "agent/alerts/delivery/delivery_test_helpers.hpp"

namespace opsagent::alerts::delivery_testing {
namespace {

TEST(DeliveryAttempt, SignedWebhookReachesTheServer) {
  CaptureServer server;
  ASSERT_TRUE(server.running());
  auto r = receiver("hook", Type::webhook, server.url("/hooks/T0KEN123?team=ops"));
  r.secret_env = "HOOK_SECRET";
  const auto n = make_notification("PostgresPoolSaturation");
  const auto before = WallClock::now();
  const auto result =
      attempt_delivery(r, job_for("hook", n), env_of({{"HOOK_SECRET", kSecret}}), who(), 300s);
  EXPECT_EQ(result.kind, Kind::delivered) << result.error;
  EXPECT_EQ(result.status, 200);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& req = requests[0];
  EXPECT_EQ(req.path, "/hooks/T0KEN123");
  EXPECT_EQ(req.params.find("team")->second, "ops");
  const std::string body = webhook_body(n, "hook", who());
  EXPECT_EQ(req.body, body);
  auto header = [&](const std::string& k) {
    auto it = req.headers.find(k);
    return it == req.headers.end() ? std::string("(absent)") : it->second;
  };
  EXPECT_EQ(header("Content-Type"), "application/json");
  EXPECT_TRUE(header("User-Agent").starts_with("opsagent/")) << header("User-Agent");
  EXPECT_EQ(header("webhook-id"), n.id);
  const std::int64_t ts = std::stoll(header("webhook-timestamp"));
  const std::int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(before.time_since_epoch()).count();
  EXPECT_GE(ts, now_s - 1);
  EXPECT_LE(ts, now_s + 60);
  const auto keys = parse_webhook_secrets(kSecret);
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(header("webhook-signature"), webhook_signature(*keys, n.id, ts, body));
  EXPECT_TRUE(header("webhook-signature").starts_with("v1,"));
}

TEST(DeliveryAttempt, UnsignedWebhookHasNoSignatureHeaders) {
  CaptureServer server;
  ASSERT_TRUE(server.running());
  const auto r = receiver("hook", Type::webhook, server.url("/in"));
  const auto result =
      attempt_delivery(r, job_for("hook", make_notification("A")), env_of({}), who(), 300s);
  EXPECT_EQ(result.kind, Kind::delivered) << result.error;
  ASSERT_EQ(server.count(), 1u);
  EXPECT_EQ(server.requests()[0].headers.count("webhook-signature"), 0u);
}

TEST(DeliveryAttempt, ErrorsNameTheHostNeverThePathOrSecrets) {
  CaptureServer server([](const httplib::Request&, httplib::Response& res, int) {
    res.status = 503;
    res.set_header("Retry-After", "30");
  });
  ASSERT_TRUE(server.running());
  auto r = receiver("slack", Type::slack, "");
  r.url_env = "SLACK_WEBHOOK_URL";
  const auto env = env_of({{"SLACK_WEBHOOK_URL", server.url("/services/T000/B000/XXXXSECRET")}});
  const auto result =
      attempt_delivery(r, job_for("slack", make_notification("A")), env, who(), 300s);
  EXPECT_EQ(result.kind, Kind::http_status);
  EXPECT_EQ(result.status, 503);
  EXPECT_EQ(result.retry_after, 30s);
  EXPECT_NE(result.error.find("127.0.0.1"), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("503"), std::string::npos) << result.error;
  EXPECT_EQ(result.error.find("XXXXSECRET"), std::string::npos) << result.error;
  EXPECT_EQ(result.error.find("services"), std::string::npos) << result.error;

  // Connection refused: a network result, again naming only the host.
  auto refused = receiver("hook", Type::webhook,
                          "http://127.0.0.1:" + std::to_string(closed_port()) + "/p/T0KEN");
  const auto r2 =
      attempt_delivery(refused, job_for("hook", make_notification("A")), env_of({}), who(), 300s);
  EXPECT_EQ(r2.kind, Kind::network);
  EXPECT_NE(r2.error.find("127.0.0.1"), std::string::npos) << r2.error;
  EXPECT_EQ(r2.error.find("T0KEN"), std::string::npos) << r2.error;
  // Issue 13, finding 10: it says what happened, not httplib's "Connection".
  EXPECT_NE(r2.error.find("127.0.0.1: connection refused"), std::string::npos) << r2.error;
}

TEST(DeliveryAttempt, AFailedNameLookupSaysSo) {
  // .invalid never resolves (RFC 6761), with or without a DNS server.
  auto r = receiver("hook", Type::webhook, "http://opsagent-test.invalid/p/T0KEN");
  const auto result =
      attempt_delivery(r, job_for("hook", make_notification("A")), env_of({}), who(), 300s);
  EXPECT_EQ(result.kind, Kind::network);
  EXPECT_NE(result.error.find("opsagent-test.invalid: name resolution failed"), std::string::npos)
      << result.error;
  EXPECT_EQ(result.error.find("T0KEN"), std::string::npos) << result.error;
}

TEST(DeliveryAttempt, MissingVariablesAreConfigResultsNamingTheVariable) {
  const auto job = job_for("x", make_notification("A"));
  auto slack = receiver("x", Type::slack, "");
  slack.url_env = "SLACK_HOOK_URL";
  for (const auto& env : {env_of({}), env_of({{"SLACK_HOOK_URL", ""}})}) {
    const auto result = attempt_delivery(slack, job, env, who(), 300s);
    EXPECT_EQ(result.kind, Kind::config);
    EXPECT_NE(result.error.find("SLACK_HOOK_URL"), std::string::npos) << result.error;
    EXPECT_EQ(decide_retry(result, 1, RetryPolicy{}, 0.5).action, Action::give_up);
  }

  auto hook = receiver("x", Type::webhook, "http://127.0.0.1:9/");
  hook.secret_env = "HOOK_SECRET";
  auto result = attempt_delivery(hook, job, env_of({}), who(), 300s);
  EXPECT_EQ(result.kind, Kind::config);
  EXPECT_NE(result.error.find("HOOK_SECRET"), std::string::npos) << result.error;

  // A malformed secret: named, never quoted.
  result =
      attempt_delivery(hook, job, env_of({{"HOOK_SECRET", "whsec_%%notbase64%%"}}), who(), 300s);
  EXPECT_EQ(result.kind, Kind::config);
  EXPECT_NE(result.error.find("HOOK_SECRET"), std::string::npos) << result.error;
  EXPECT_EQ(result.error.find("notbase64"), std::string::npos) << result.error;

  auto pd = receiver("x", Type::pagerduty, "");
  pd.routing_key_env = "PD_ROUTING_KEY";
  result = attempt_delivery(pd, job, env_of({}), who(), 300s);
  EXPECT_EQ(result.kind, Kind::config);
  EXPECT_NE(result.error.find("PD_ROUTING_KEY"), std::string::npos) << result.error;

  // A URL from the environment that is not one: the error names the variable, not the value.
  result = attempt_delivery(slack, job, env_of({{"SLACK_HOOK_URL", "ftp://x/T0KEN"}}), who(), 300s);
  EXPECT_EQ(result.kind, Kind::config);
  EXPECT_NE(result.error.find("SLACK_HOOK_URL"), std::string::npos) << result.error;
  EXPECT_EQ(result.error.find("T0KEN"), std::string::npos) << result.error;
}

// url_env is parsed at send time by the parser the config checker uses for url: what the
// checker refuses in the file is refused from the environment too, and nothing is sent.
TEST(DeliveryAttempt, AUrlFromTheEnvironmentIsHeldToTheConfigsRules) {
  CaptureServer server;
  ASSERT_TRUE(server.running());
  const std::string authority = "127.0.0.1:" + server.url().substr(server.url().rfind(':') + 1);
  auto hook = receiver("pager-hook", Type::webhook, "");
  hook.url_env = "HOOK_URL";
  const auto job = job_for("pager-hook", make_notification("A"));
  for (const std::string& bad :
       {"http://opsuser:Pw-SECRET@" + authority + "/hook",
        "http://" + authority + "/hook#Pw-SECRET", "gopher://" + authority + "/Pw-SECRET",
        "http://" + authority + "/a b/Pw-SECRET"}) {
    const auto result = attempt_delivery(hook, job, env_of({{"HOOK_URL", bad}}), who(), 300s);
    EXPECT_EQ(result.kind, Kind::config) << bad;
    EXPECT_NE(result.error.find("environment variable HOOK_URL (named by url_env)"),
              std::string::npos)
        << result.error;
    EXPECT_EQ(result.error.find("Pw-SECRET"), std::string::npos) << result.error;
    EXPECT_EQ(result.error.find("opsuser"), std::string::npos) << result.error;
    EXPECT_EQ(decide_retry(result, 1, RetryPolicy{}, 0.5).action, Action::give_up);
  }
  EXPECT_EQ(server.count(), 0u);

  // What the config accepts is accepted from the environment: an upper-case scheme, a query.
  const auto good = attempt_delivery(
      hook, job, env_of({{"HOOK_URL", "HTTP://" + authority + "/hook?team=ops"}}), who(), 300s);
  EXPECT_EQ(good.kind, Kind::delivered) << good.error;
  ASSERT_EQ(server.count(), 1u);
  EXPECT_EQ(server.requests()[0].path, "/hook");
  EXPECT_EQ(server.requests()[0].params.count("team"), 1u);
}

TEST(ReceiverUrl, FromUrlOrUrlEnvOrPagerDutysDefault) {
  auto hook = receiver("hook", Type::webhook, "https://hooks.example.com/opsagent?k=v");
  auto url = receiver_url(hook, env_of({}));
  ASSERT_TRUE(url.has_value()) << url.error();
  EXPECT_TRUE(url->https);
  EXPECT_EQ(url->host, "hooks.example.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->path, "/opsagent?k=v");

  hook.url_env = "HOOK_URL";  // url_env wins (the loader refuses both set; this is its rule)
  url = receiver_url(hook, env_of({{"HOOK_URL", "http://[::1]:8080"}}));
  ASSERT_TRUE(url.has_value()) << url.error();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->path, "/");

  url = receiver_url(hook, env_of({{"HOOK_URL", "http://hooks.example.com?k=v"}}));
  ASSERT_TRUE(url.has_value()) << url.error();
  EXPECT_EQ(url->path, "/?k=v");  // a query without a path is sent as "/?k=v"

  auto pd = receiver("pd", Type::pagerduty, "");
  url = receiver_url(pd, env_of({}));
  ASSERT_TRUE(url.has_value()) << url.error();
  EXPECT_EQ(url->host, "events.pagerduty.com");
  EXPECT_EQ(url->path, "/v2/enqueue");

  const auto none = receiver_url(receiver("x", Type::webhook, ""), env_of({}));
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().find("neither url nor url_env"), std::string::npos);
}

TEST(DeliveryAttempt, PagerDutyGetsTheRoutingKeyInTheBodyOnly) {
  CaptureServer server(
      [](const httplib::Request&, httplib::Response& res, int) { res.status = 202; });
  ASSERT_TRUE(server.running());
  auto pd = receiver("pd", Type::pagerduty, server.url("/v2/enqueue"));
  pd.routing_key_env = "PD_ROUTING_KEY";
  const auto n = make_notification("A");
  const auto result = attempt_delivery(pd, job_for("pd", n),
                                       env_of({{"PD_ROUTING_KEY", "R0UTINGKEY"}}), who(), 300s);
  EXPECT_EQ(result.kind, Kind::delivered) << result.error;
  EXPECT_EQ(result.status, 202);
  ASSERT_EQ(server.count(), 1u);
  EXPECT_EQ(server.requests()[0].body, pagerduty_body(n, "R0UTINGKEY", who()));
}

TEST(DeliveryAttempt, AlertmanagerPostsToApiV2Alerts) {
  CaptureServer server;
  ASSERT_TRUE(server.running());
  const auto job = job_for("am", make_notification("A"));
  for (const char* base : {"", "/", "/prefix/", "/prefix/api/v2/alerts"}) {
    const auto r = receiver("am", Type::alertmanager, server.url(base));
    const auto result = attempt_delivery(r, job, env_of({}), who(), 300s);
    EXPECT_EQ(result.kind, Kind::delivered) << base << ": " << result.error;
  }
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].path, "/api/v2/alerts");
  EXPECT_EQ(requests[1].path, "/api/v2/alerts");
  EXPECT_EQ(requests[2].path, "/prefix/api/v2/alerts");
  EXPECT_EQ(requests[3].path, "/prefix/api/v2/alerts");
  EXPECT_TRUE(requests[0].body.starts_with("[")) << requests[0].body.substr(0, 40);
}

TEST(DeliveryAttempt, SilentServerTimesOutWithinTheReceiverTimeout) {
  const testing::SilentTcpListener silent;
  ASSERT_GT(silent.port(), 0);
  const auto r = receiver("stuck", Type::webhook, url_of(silent, "/x"), 1s);
  const auto start = SteadyClock::now();
  const auto result =
      attempt_delivery(r, job_for("stuck", make_notification("A")), env_of({}), who(), 300s);
  const auto took = SteadyClock::now() - start;
  EXPECT_EQ(result.kind, Kind::timeout) << result.error;
  EXPECT_NE(result.error.find("did not answer within 1s"), std::string::npos) << result.error;
  EXPECT_GE(took, 900ms);  // not before its timeout (an upper bound would flake under load)
}

// httplib's read timeout applies per recv: a server that answers a byte at a time would keep an
// attempt going for ever without the watchdog.
TEST(DeliveryAttempt, TricklingServerIsCutOffAtTheTimeout) {
  struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool open = false;
  };
  auto gate = std::make_shared<Gate>();
  CaptureServer server([gate](const httplib::Request&, httplib::Response& res, int) {
    res.set_chunked_content_provider("text/plain", [gate](std::size_t, httplib::DataSink& sink) {
      std::unique_lock lock(gate->m);
      if (gate->cv.wait_for(lock, 200ms, [&] { return gate->open; })) {
        sink.done();
        return true;
      }
      lock.unlock();
      return sink.write("x", 1);
    });
  });
  ASSERT_TRUE(server.running());
  const auto r = receiver("slow", Type::webhook, server.url("/x"), 1s);
  const auto start = SteadyClock::now();
  const auto result =
      attempt_delivery(r, job_for("slow", make_notification("A")), env_of({}), who(), 300s);
  const auto took = SteadyClock::now() - start;
  {
    std::lock_guard lock(gate->m);
    gate->open = true;
  }
  gate->cv.notify_all();
  EXPECT_EQ(result.kind, Kind::timeout) << result.error;
  EXPECT_NE(result.error.find("did not answer within 1s"), std::string::npos) << result.error;
  EXPECT_GE(took, 900ms);  // not before its timeout (an upper bound would flake under load)
}

}  // namespace
}  // namespace opsagent::alerts::delivery_testing
