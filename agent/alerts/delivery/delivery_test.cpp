#include "agent/alerts/delivery/delivery.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <httplib.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "agent/alerts/payloads/payloads.hpp"
#include "common/process/exec_command.hpp"

namespace opsagent::alerts {
namespace {

using namespace std::chrono_literals;
using Kind = AttemptResult::Kind;
using Action = RetryDecision::Action;
using Type = config::AlertReceiver::Type;

// A valid Standard Webhooks secret: base64 of 32 bytes.
constexpr const char* kSecret = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

// Polls `done` until it holds or `limit` passes: every wait in these tests is bounded.
template <class F>
bool eventually(F done, std::chrono::milliseconds limit = 10s) {
  const auto until = SteadyClock::now() + limit;
  while (!done()) {
    if (SteadyClock::now() >= until) return done();
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

AgentIdentity who() {
  return {"agent-host", "db.internal:5432/app", ""};
}

Notification make_notification(const std::string& alertname,
                               NotificationKind kind = NotificationKind::firing) {
  Notification n;
  n.id = new_notification_id();
  n.kind = kind;
  n.created = WallClock::now();
  n.alert.rule = "pool_saturation";
  n.alert.labels = {{"alertname", alertname}};
  n.alert.fingerprint = fingerprint_of(n.alert.labels);
  n.alert.severity = Severity::critical;
  n.alert.summary = "Postgres connections at 96% (93/97)";
  n.alert.details = {"used 93 of 97 usable slots"};
  n.alert.starts_at = n.created;
  if (kind == NotificationKind::resolved) n.alert.ends_at = n.created;
  return n;
}

DeliveryJob job_for(const std::string& receiver, Notification n) {
  return DeliveryJob{.receiver = receiver, .notification = std::move(n)};
}

config::AlertReceiver receiver(std::string name, Type type, std::string url,
                               std::chrono::milliseconds timeout = 5s) {
  config::AlertReceiver r;
  r.name = std::move(name);
  r.type = type;
  r.url = std::move(url);
  r.timeout = timeout;
  return r;
}

config::Environment env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    if (auto it = vars.find(std::string(name)); it != vars.end()) return it->second;
    return std::nullopt;
  };
}

AttemptResult result_of(Kind kind, int status = 0) {
  AttemptResult r;
  r.kind = kind;
  r.status = status;
  if (kind != Kind::delivered) r.error = "scripted failure";
  return r;
}

// ---------------------------------------------------------------------------------------------
// An HTTP server on 127.0.0.1 that records every request and answers through `respond`.

struct Captured {
  std::string path;
  httplib::Params params;
  httplib::Headers headers;
  std::string body;
  SteadyClock::time_point at;
};

class CaptureServer {
 public:
  using Respond = std::function<void(const httplib::Request&, httplib::Response&, int index)>;

  explicit CaptureServer(Respond respond = {}) : respond_(std::move(respond)) {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      int index = 0;
      {
        std::lock_guard lock(mutex_);
        index = static_cast<int>(requests_.size());
        requests_.push_back({req.path, req.params, req.headers, req.body, SteadyClock::now()});
      }
      res.status = 200;
      if (respond_) respond_(req, res, index);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    running_ = eventually([this] { return server_.is_running(); }, 5s);
  }
  CaptureServer(const CaptureServer&) = delete;
  CaptureServer& operator=(const CaptureServer&) = delete;
  ~CaptureServer() {
    server_.stop();
    thread_.join();
  }

  bool running() const { return running_ && port_ > 0; }
  std::string url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Captured> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  Respond respond_;
  httplib::Server server_;
  mutable std::mutex mutex_;
  std::vector<Captured> requests_;
  int port_ = -1;
  bool running_ = false;
  std::thread thread_;
};

// A TCP port that accepts connections into its backlog and never reads or answers them.
class SilentListener {
 public:
  SilentListener() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 64) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  ~SilentListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A port nothing listens on.
int closed_port() {
  SilentListener l;
  return l.port();  // closed when `l` goes
}

// ---------------------------------------------------------------------------------------------
// decide_retry

TEST(DeliveryRetry, OutcomeTable) {
  const RetryPolicy policy;
  struct Row {
    AttemptResult result;
    Action action;
  };
  const std::vector<Row> rows = {
      {result_of(Kind::delivered, 200), Action::done},
      {result_of(Kind::http_status, 200), Action::done},
      {result_of(Kind::http_status, 202), Action::done},
      {result_of(Kind::http_status, 204), Action::done},
      {result_of(Kind::network), Action::retry},
      {result_of(Kind::timeout), Action::retry},
      {result_of(Kind::exec_failed, 1), Action::retry},
      {result_of(Kind::http_status, 408), Action::retry},
      {result_of(Kind::http_status, 429), Action::retry},
      {result_of(Kind::http_status, 500), Action::retry},
      {result_of(Kind::http_status, 502), Action::retry},
      {result_of(Kind::http_status, 503), Action::retry},
      {result_of(Kind::http_status, 504), Action::retry},
      {result_of(Kind::http_status, 410), Action::disable},
      {result_of(Kind::http_status, 400), Action::give_up},
      {result_of(Kind::http_status, 401), Action::give_up},
      {result_of(Kind::http_status, 403), Action::give_up},
      {result_of(Kind::http_status, 404), Action::give_up},
      {result_of(Kind::http_status, 422), Action::give_up},
      {result_of(Kind::http_status, 301), Action::give_up},
      {result_of(Kind::config), Action::give_up},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(testing::Message() << "kind " << static_cast<int>(row.result.kind) << " status "
                                    << row.result.status);
    EXPECT_EQ(decide_retry(row.result, 1, policy, 0.5).action, row.action);
  }
}

TEST(DeliveryRetry, ExponentialBackoffWithJitterBounds) {
  RetryPolicy policy;
  policy.first_backoff = 1s;
  policy.max_backoff = 5min;
  const auto network = result_of(Kind::network);
  for (int attempts = 1; attempts <= 12; ++attempts) {
    const std::chrono::milliseconds backoff =
        std::min<std::chrono::milliseconds>(1s * (1 << (attempts - 1)), 5min);
    SCOPED_TRACE(attempts);
    const auto low = decide_retry(network, attempts, policy, 0.0);
    const auto high = decide_retry(network, attempts, policy, 0.999999);
    const auto mid = decide_retry(network, attempts, policy, 0.5);
    EXPECT_EQ(low.action, Action::retry);
    EXPECT_EQ(low.wait, backoff / 2);
    EXPECT_LT(high.wait, backoff);
    EXPECT_GE(high.wait, backoff - 1ms);
    EXPECT_GE(mid.wait, backoff / 2);
    EXPECT_LT(mid.wait, backoff);
  }
  EXPECT_EQ(decide_retry(network, 1, policy, 0.5).wait, 750ms);  // 500ms + half of 500ms
  EXPECT_EQ(decide_retry(network, 3, policy, 0.0).wait, 2s);     // 4s backoff
}

TEST(DeliveryRetry, CappedAtMaxBackoffWithoutOverflow) {
  RetryPolicy policy;
  policy.first_backoff = 10ms;
  policy.max_backoff = 1s;
  const auto timeout = result_of(Kind::timeout);
  for (int attempts : {8, 20, 64, 1000, 1 << 30}) {
    SCOPED_TRACE(attempts);
    for (double jitter : {0.0, 0.3, 0.999999}) {
      const auto d = decide_retry(timeout, attempts, policy, jitter);
      EXPECT_EQ(d.action, Action::retry);
      EXPECT_GE(d.wait, 500ms);
      EXPECT_LT(d.wait, 1s);
    }
  }
  // Out-of-range jitter is clamped into [backoff/2, backoff).
  EXPECT_EQ(decide_retry(timeout, 1, policy, -1.0).wait, 5ms);
  EXPECT_LT(decide_retry(timeout, 1, policy, 7.0).wait, 10ms);
}

TEST(DeliveryRetry, RetryAfterOverridesWhenLonger) {
  RetryPolicy policy;
  policy.first_backoff = 1s;
  auto r = result_of(Kind::http_status, 429);
  r.retry_after = 120s;
  EXPECT_EQ(decide_retry(r, 1, policy, 0.0).wait, 120s);
  r.retry_after = 0s;  // shorter than the backoff: the backoff stands
  EXPECT_EQ(decide_retry(r, 1, policy, 0.0).wait, 500ms);
  r.status = 503;
  r.retry_after = 3h;  // capped at an hour
  EXPECT_EQ(decide_retry(r, 1, policy, 0.0).wait, 1h);
  r.status = 400;  // not retried at all, whatever it asks
  r.retry_after = 5s;
  EXPECT_EQ(decide_retry(r, 1, policy, 0.0).action, Action::give_up);
}

// ---------------------------------------------------------------------------------------------
// parse_retry_after

TEST(DeliveryRetryAfter, Seconds) {
  const auto now = WallClock::now();
  EXPECT_EQ(parse_retry_after("120", now), 120s);
  EXPECT_EQ(parse_retry_after("0", now), 0s);
  EXPECT_EQ(parse_retry_after("  5 ", now), 5s);
  EXPECT_EQ(parse_retry_after("7200", now), 1h);
  EXPECT_EQ(parse_retry_after("99999999999999999999999", now), 1h);
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("1.5", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
}

TEST(DeliveryRetryAfter, HttpDate) {
  using namespace std::chrono;
  const WallClock::time_point now =
      sys_days{year{1994} / November / 6} + hours(8) + minutes(49) + seconds(0);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), 37s);
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), 37s);
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", now), 37s);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:50:00 GMT", now + 500ms), 60s);  // rounded up
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), 0s);           // past: now
  EXPECT_EQ(parse_retry_after("Mon, 07 Nov 1994 08:49:00 GMT", now), 1h);           // capped
  EXPECT_EQ(parse_retry_after("Sun, 31 Nov 1994 08:49:37 GMT", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 25:49:37 GMT", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 CET", now), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// attempt_delivery over HTTP

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
  SilentListener silent;
  ASSERT_GT(silent.port(), 0);
  const auto r = receiver("stuck", Type::webhook, silent.url("/x"), 1s);
  const auto start = SteadyClock::now();
  const auto result =
      attempt_delivery(r, job_for("stuck", make_notification("A")), env_of({}), who(), 300s);
  const auto took = SteadyClock::now() - start;
  EXPECT_EQ(result.kind, Kind::timeout) << result.error;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 2500ms);
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
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 2500ms);
}

// ---------------------------------------------------------------------------------------------
// DeliveryQueue against real servers

DeliveryQueue::Options fast_options() {
  DeliveryQueue::Options o;
  o.retry.first_backoff = 10ms;
  o.retry.max_backoff = 50ms;
  return o;
}

DeliveryQueue::Attempt real_attempt(config::Environment env = env_of({})) {
  return [env = std::move(env)](const config::AlertReceiver& r, const DeliveryJob& j) {
    return attempt_delivery(r, j, env, who(), 300s);
  };
}

ReceiverStats stats_of(const DeliveryQueue& q, const std::string& name) {
  const auto all = q.stats();
  auto it = all.find(name);
  return it == all.end() ? ReceiverStats{} : it->second;
}

TEST(DeliveryQueue, ServerErrorIsRetriedThenDelivered) {
  CaptureServer server([](const httplib::Request&, httplib::Response& res, int index) {
    res.status = index == 0 ? 500 : 200;
  });
  ASSERT_TRUE(server.running());
  std::atomic<int> changes{0};
  DeliveryQueue q(fast_options(), real_attempt(), [&] { ++changes; });
  q.set_receivers({receiver("hook", Type::webhook, server.url("/in"))});
  q.start();
  const auto n = make_notification("A");
  ASSERT_TRUE(q.push(job_for("hook", n)));
  ASSERT_TRUE(eventually([&] { return stats_of(q, "hook").delivered == 1; }));
  const auto st = stats_of(q, "hook");
  EXPECT_EQ(st.retried, 1u);
  EXPECT_EQ(st.failed, 0u);
  EXPECT_EQ(st.queued, 0u);
  EXPECT_EQ(server.count(), 2u);
  EXPECT_TRUE(q.pending().empty());
  EXPECT_GE(changes.load(), 2);  // the retry, then the delivery
  const auto requests = server.requests();
  EXPECT_EQ(requests[0].body, requests[1].body);
}

// Alertmanager's minute-by-minute refresh is routine: only a real notification is logged at info
// (it used to read "delivered reminder" every minute, with alerts.repeat at 4h).
TEST(DeliveryQueue, AlertmanagerRefreshIsNotLoggedAsNews) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  sink->set_pattern("%l %v");
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(logger);
  {
    CaptureServer server(
        [](const httplib::Request&, httplib::Response& res, int) { res.status = 200; });
    ASSERT_TRUE(server.running());
    DeliveryQueue q(fast_options(), real_attempt(), nullptr);
    q.set_receivers({receiver("am", Type::alertmanager, server.url(""))});
    q.start();
    ASSERT_TRUE(q.push(job_for("am", make_notification("A", NotificationKind::refresh))));
    ASSERT_TRUE(q.push(job_for("am", make_notification("B", NotificationKind::reminder))));
    EXPECT_TRUE(eventually([&] { return stats_of(q, "am").delivered == 2; }));
    q.stop(1s);
  }
  spdlog::set_default_logger(previous);
  const std::string text = log.str();
  EXPECT_NE(text.find("debug alerts: delivered refresh A to receiver am"), std::string::npos)
      << text;
  EXPECT_NE(text.find("info alerts: delivered reminder B to receiver am"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("info alerts: delivered refresh"), std::string::npos) << text;
}

TEST(DeliveryQueue, TooManyRequestsWaitsForRetryAfter) {
  CaptureServer server([](const httplib::Request&, httplib::Response& res, int index) {
    if (index == 0) {
      res.status = 429;
      res.set_header("Retry-After", "1");
    }
  });
  ASSERT_TRUE(server.running());
  DeliveryQueue q(fast_options(), real_attempt(), {});
  q.set_receivers({receiver("hook", Type::webhook, server.url("/in"))});
  q.start();
  ASSERT_TRUE(q.push(job_for("hook", make_notification("A"))));
  ASSERT_TRUE(eventually([&] { return stats_of(q, "hook").delivered == 1; }));
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(requests[1].at - requests[0].at, 1s);
}

TEST(DeliveryQueue, ClientErrorIsNotRetried) {
  CaptureServer server(
      [](const httplib::Request&, httplib::Response& res, int) { res.status = 400; });
  ASSERT_TRUE(server.running());
  DeliveryQueue q(fast_options(), real_attempt(), {});
  q.set_receivers({receiver("hook", Type::webhook, server.url("/in"))});
  q.start();
  ASSERT_TRUE(q.push(job_for("hook", make_notification("A"))));
  ASSERT_TRUE(eventually([&] { return stats_of(q, "hook").failed == 1; }));
  q.stop();
  EXPECT_EQ(server.count(), 1u);
  EXPECT_EQ(stats_of(q, "hook").retried, 0u);
  EXPECT_TRUE(q.pending().empty());
}

TEST(DeliveryQueue, GoneDisablesTheReceiverUntilItsConfigChanges) {
  CaptureServer server(
      [](const httplib::Request&, httplib::Response& res, int) { res.status = 410; });
  ASSERT_TRUE(server.running());
  DeliveryQueue q(fast_options(), real_attempt(), {});
  const auto r = receiver("hook", Type::webhook, server.url("/in"));
  q.set_receivers({r});
  ASSERT_TRUE(q.push(job_for("hook", make_notification("A"))));
  ASSERT_TRUE(q.push(job_for("hook", make_notification("B"))));
  q.start();
  ASSERT_TRUE(eventually([&] { return stats_of(q, "hook").disabled; }));
  auto st = stats_of(q, "hook");
  EXPECT_EQ(st.failed, 2u);  // the one answered 410 and the one queued behind it
  EXPECT_EQ(st.queued, 0u);
  EXPECT_EQ(server.count(), 1u);
  EXPECT_FALSE(q.push(job_for("hook", make_notification("C"))));
  EXPECT_TRUE(q.pending().empty());

  q.set_receivers({r});  // a reload with the same configuration: still disabled
  EXPECT_TRUE(stats_of(q, "hook").disabled);
  EXPECT_FALSE(q.push(job_for("hook", make_notification("C"))));

  auto changed = r;
  changed.timeout = 3s;
  q.set_receivers({changed});
  EXPECT_FALSE(stats_of(q, "hook").disabled);
  EXPECT_TRUE(q.push(job_for("hook", make_notification("C"))));
}

TEST(DeliveryQueue, HangingReceiverDoesNotHoldUpAnother) {
  SilentListener silent;
  ASSERT_GT(silent.port(), 0);
  CaptureServer server;
  ASSERT_TRUE(server.running());
  auto q = std::make_unique<DeliveryQueue>(fast_options(), real_attempt(), [] {});
  q->set_receivers({receiver("stuck", Type::webhook, silent.url("/x"), 1s),
                    receiver("ok", Type::webhook, server.url("/in"))});
  q->start();
  ASSERT_TRUE(q->push(job_for("stuck", make_notification("A"))));
  // Delivered after at most the stuck attempt's bound (1s), plus scheduling slack.
  for (std::size_t i = 1; i <= 3; ++i) {
    const auto start = SteadyClock::now();
    ASSERT_TRUE(q->push(job_for("ok", make_notification("B"))));
    ASSERT_TRUE(eventually([&] { return stats_of(*q, "ok").delivered == i; }, 5s));
    EXPECT_LT(SteadyClock::now() - start, 1800ms) << "delivery " << i;
  }
  EXPECT_EQ(server.count(), 3u);

  // The stuck receiver is retried for ever; an attempt is in flight (or about to be).
  ASSERT_TRUE(eventually([&] { return stats_of(*q, "stuck").retried >= 2; }, 8s));
  const auto stop_start = SteadyClock::now();
  q->stop(200ms);
  EXPECT_LT(SteadyClock::now() - stop_start, 800ms);
  const auto pending = q->pending();
  ASSERT_EQ(pending.size(), 1u);  // the stuck one, kept for the state file
  EXPECT_EQ(pending[0].receiver, "stuck");
  EXPECT_GE(pending[0].attempts, 2);

  const auto destroy_start = SteadyClock::now();
  q.reset();  // joins: waits at most for the attempt in flight
  EXPECT_LT(SteadyClock::now() - destroy_start, 2500ms);
}

// ---------------------------------------------------------------------------------------------
// DeliveryQueue with a scripted attempt

class Recorder {
 public:
  using Respond = std::function<AttemptResult(const DeliveryJob&, int call)>;
  explicit Recorder(Respond respond) : respond_(std::move(respond)) {}

  DeliveryQueue::Attempt attempt() {
    return [this](const config::AlertReceiver&, const DeliveryJob& job) {
      int call = 0;
      {
        std::lock_guard lock(mutex_);
        call = static_cast<int>(calls_.size());
        calls_.push_back(job.notification.id);
      }
      return respond_(job, call);
    };
  }
  std::vector<std::string> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  Respond respond_;
  mutable std::mutex mutex_;
  std::vector<std::string> calls_;
};

TEST(DeliveryQueue, FullQueueDropsTheOldestNonResolve) {
  DeliveryQueue::Options options;
  options.capacity_per_receiver = 3;
  Recorder recorder([](const DeliveryJob&, int) { return result_of(Kind::delivered); });
  DeliveryQueue q(options, recorder.attempt(), {});
  q.set_receivers({receiver("hook", Type::webhook, "http://127.0.0.1:9/")});
  // Not started: the jobs stay queued.
  const auto a1 = make_notification("A1");
  const auto r1 = make_notification("R1", NotificationKind::resolved);
  const auto a2 = make_notification("A2");
  const auto a3 = make_notification("A3");
  const auto a4 = make_notification("A4");
  for (const auto& n : {a1, r1, a2}) ASSERT_TRUE(q.push(job_for("hook", n)));
  EXPECT_EQ(stats_of(q, "hook").dropped, 0u);
  ASSERT_TRUE(q.push(job_for("hook", a3)));  // drops a1, keeps the resolve
  ASSERT_TRUE(q.push(job_for("hook", a4)));  // drops a2
  const auto pending = q.pending();
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].notification.id, r1.id);
  EXPECT_EQ(pending[1].notification.id, a3.id);
  EXPECT_EQ(pending[2].notification.id, a4.id);
  const auto st = stats_of(q, "hook");
  EXPECT_EQ(st.dropped, 2u);
  EXPECT_EQ(st.queued, 3u);

  // All resolves: the oldest resolve makes room.
  DeliveryQueue only_resolves(options, recorder.attempt(), {});
  only_resolves.set_receivers({receiver("hook", Type::webhook, "http://127.0.0.1:9/")});
  std::vector<Notification> rs;
  for (int i = 0; i < 4; ++i) {
    rs.push_back(make_notification("R" + std::to_string(i), NotificationKind::resolved));
    ASSERT_TRUE(only_resolves.push(job_for("hook", rs.back())));
  }
  const auto kept = only_resolves.pending();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].notification.id, rs[1].id);
  EXPECT_TRUE(recorder.calls().empty());
}

TEST(DeliveryQueue, UnknownReceiverIsRefused) {
  Recorder recorder([](const DeliveryJob&, int) { return result_of(Kind::delivered); });
  DeliveryQueue q({}, recorder.attempt(), {});
  q.set_receivers({receiver("hook", Type::webhook, "http://127.0.0.1:9/")});
  EXPECT_FALSE(q.push(job_for("nobody", make_notification("A"))));
  EXPECT_TRUE(q.pending().empty());
}

TEST(DeliveryQueue, ResolveNeverOvertakesItsFiring) {
  Recorder recorder([](const DeliveryJob&, int call) {
    return call < 2 ? result_of(Kind::network) : result_of(Kind::delivered);
  });
  DeliveryQueue q(fast_options(), recorder.attempt(), {});
  q.set_receivers({receiver("hook", Type::webhook, "http://127.0.0.1:9/")});
  const auto firing = make_notification("A");
  auto resolved = firing;
  resolved.id = new_notification_id();
  resolved.kind = NotificationKind::resolved;
  resolved.alert.ends_at = WallClock::now();
  ASSERT_TRUE(q.push(job_for("hook", firing)));
  ASSERT_TRUE(q.push(job_for("hook", resolved)));
  q.start();
  ASSERT_TRUE(eventually([&] { return stats_of(q, "hook").delivered == 2; }));
  const std::vector<std::string> expected = {firing.id, firing.id, firing.id, resolved.id};
  EXPECT_EQ(recorder.calls(), expected);
  EXPECT_EQ(stats_of(q, "hook").retried, 2u);
}

TEST(DeliveryQueue, OldNotificationsAreGivenUp) {
  Recorder recorder([](const DeliveryJob&, int) { return result_of(Kind::delivered); });
  std::atomic<int> changes{0};
  DeliveryQueue q(fast_options(), recorder.attempt(), [&] { ++changes; });
  q.set_receivers({receiver("hook", Type::webhook, "http://127.0.0.1:9/")});
  auto old = make_notification("A");
  old.created = WallClock::now() - std::chrono::hours(25);
  ASSERT_TRUE(q.push(job_for("hook", old)));
  q.start();
  ASSERT_TRUE(eventually([&] { return stats_of(q, "hook").failed == 1; }));
  EXPECT_TRUE(recorder.calls().empty());
  EXPECT_TRUE(eventually([&] { return changes.load() >= 1; }));
}

TEST(DeliveryQueue, JobsOfRemovedReceiversAreDropped) {
  Recorder recorder([](const DeliveryJob&, int) { return result_of(Kind::delivered); });
  DeliveryQueue q(fast_options(), recorder.attempt(), {});
  q.set_receivers({receiver("gone", Type::webhook, "http://127.0.0.1:9/"),
                   receiver("kept", Type::webhook, "http://127.0.0.1:9/")});
  ASSERT_TRUE(q.push(job_for("gone", make_notification("A"))));
  ASSERT_TRUE(q.push(job_for("kept", make_notification("B"))));
  q.set_receivers({receiver("kept", Type::webhook, "http://127.0.0.1:9/")});
  q.start();
  ASSERT_TRUE(eventually([&] { return stats_of(q, "gone").dropped == 1; }));
  ASSERT_TRUE(eventually([&] { return stats_of(q, "kept").delivered == 1; }));
  EXPECT_EQ(recorder.calls().size(), 1u);
  EXPECT_TRUE(q.pending().empty());
}

TEST(DeliveryQueue, StopReturnsWithinItsTimeoutWhileAnAttemptHangs) {
  struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool entered = false;
    bool open = false;
  };
  Gate gate;
  std::atomic<int> changes{0};
  auto q = std::make_unique<DeliveryQueue>(
      fast_options(),
      [&](const config::AlertReceiver&, const DeliveryJob&) {
        std::unique_lock lock(gate.m);
        gate.entered = true;
        gate.cv.notify_all();
        gate.cv.wait_for(lock, 10s, [&] { return gate.open; });  // bounded, like a real attempt
        return result_of(Kind::delivered);
      },
      [&] { ++changes; });
  q->set_receivers({receiver("hook", Type::webhook, "http://127.0.0.1:9/")});
  q->start();
  const auto n = make_notification("A");
  ASSERT_TRUE(q->push(job_for("hook", n)));
  {
    std::unique_lock lock(gate.m);
    ASSERT_TRUE(gate.cv.wait_for(lock, 5s, [&] { return gate.entered; }));
  }
  const auto start = SteadyClock::now();
  q->stop(100ms);
  EXPECT_LT(SteadyClock::now() - start, 600ms);
  const auto pending = q->pending();  // the job in flight is still pending
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].notification.id, n.id);
  EXPECT_EQ(stats_of(*q, "hook").queued, 1u);
  {
    std::lock_guard lock(gate.m);
    gate.open = true;
  }
  gate.cv.notify_all();
  q.reset();                     // joins the thread once the attempt returns
  EXPECT_EQ(changes.load(), 0);  // no callback after stop()
}

// ---------------------------------------------------------------------------------------------
// exec receivers

class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "opsagent-delivery-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

  std::string script(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    {
      std::ofstream out(p);
      out << "#!/bin/sh\n" << text;
    }
    ::chmod(p.c_str(), 0755);
    return p.string();
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path_ / name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::filesystem::path path_;
};

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

config::AlertReceiver exec_receiver(std::vector<std::string> command,
                                    std::chrono::milliseconds timeout = 5s) {
  auto r = receiver("cmd", Type::exec, "", timeout);
  r.command = std::move(command);
  return r;
}

TEST(DeliveryExec, ScriptGetsTheBodyAndItsVariablesButNoSecrets) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const auto script = dir.script("hook.sh",
                                 "cat > \"$1/stdin\"\n"
                                 "printf '%s' \"$OPSAGENT_ALERT_NAME\" > \"$1/name\"\n"
                                 "printf '%s' \"${DATABASE_URL-unset}\" > \"$1/database_url\"\n"
                                 "env > \"$1/env\"\n");
  const ScopedEnv secret("DATABASE_URL", "postgres://app:s3cret@db/app");
  const auto n = make_notification("PostgresPoolSaturation");
  const auto r = exec_receiver({script, dir.path().string()});
  const auto result =
      attempt_delivery(r, job_for("cmd", n), config::process_environment(), who(), 300s);
  EXPECT_EQ(result.kind, Kind::delivered) << result.error;
  EXPECT_EQ(dir.read("stdin"), webhook_body(n, "cmd", who()));
  EXPECT_EQ(dir.read("name"), "PostgresPoolSaturation");
  EXPECT_EQ(dir.read("database_url"), "unset");
  const std::string env = dir.read("env");
  EXPECT_EQ(env.find("s3cret"), std::string::npos);
  EXPECT_NE(env.find("OPSAGENT_ALERT_ID=" + n.id), std::string::npos) << env;
  EXPECT_NE(env.find("PATH="), std::string::npos) << env;
}

TEST(DeliveryExec, NonZeroExitIsARetriedFailureWithItsStderr) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const auto script =
      dir.script("fail.sh", "cat >/dev/null\necho 'no route to pager' >&2\nexit 3\n");
  const auto result =
      attempt_delivery(exec_receiver({script}), job_for("cmd", make_notification("A")),
                       config::process_environment(), who(), 300s);
  EXPECT_EQ(result.kind, Kind::exec_failed);
  EXPECT_EQ(result.status, 3);
  EXPECT_NE(result.error.find("no route to pager"), std::string::npos) << result.error;
  EXPECT_EQ(decide_retry(result, 1, RetryPolicy{}, 0.5).action, Action::retry);
}

TEST(DeliveryExec, CommandThatIgnoresStdinDoesNotHurtTheAgent) {
  // The body is larger than a pipe buffer and the command never reads it: the write side sees
  // EPIPE (and SIGPIPE, which must not kill this process) or just the exit.
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const auto script = dir.script("quick.sh", "exit 0\n");
  auto n = make_notification("A");
  n.alert.details.assign(2000, std::string(100, 'd'));
  const auto result = attempt_delivery(exec_receiver({script}), job_for("cmd", n),
                                       config::process_environment(), who(), 300s);
  EXPECT_EQ(result.kind, Kind::delivered) << result.error;
}

bool process_gone_or_zombie(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z';
}

TEST(DeliveryExec, CommandPastItsTimeoutIsKilledAndReaped) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const auto script = dir.script("slow.sh",
                                 "echo $$ > \"$1/pid.tmp\" && mv \"$1/pid.tmp\" \"$1/pid\"\n"
                                 "sleep 30 &\n"
                                 "echo $! > \"$1/child.tmp\" && mv \"$1/child.tmp\" \"$1/child\"\n"
                                 "wait\n");
  const auto start = SteadyClock::now();
  const auto result = attempt_delivery(exec_receiver({script, dir.path().string()}, 1s),
                                       job_for("cmd", make_notification("A")),
                                       config::process_environment(), who(), 300s);
  const auto took = SteadyClock::now() - start;
  EXPECT_EQ(result.kind, Kind::timeout) << result.error;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 3s);
  const std::string pid_text = dir.read("pid");
  const std::string child_text = dir.read("child");
  ASSERT_FALSE(pid_text.empty());
  ASSERT_FALSE(child_text.empty());
  const pid_t pid = std::stoi(pid_text);
  const pid_t child = std::stoi(child_text);
  // Reaped by us: not even a zombie is left.
  errno = 0;
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  // What it started was in its process group and was killed too (reaped by init, eventually).
  EXPECT_TRUE(eventually([&] { return process_gone_or_zombie(child); }, 5s));
}

// Supervise mode reaps every child with waitpid(-1): the status reaches the runner anyway when
// the reaper hands it over. Which side reaps first is a race; the outcome must not depend on it.
TEST(DeliveryExec, ExitStatusSurvivesAReaperElsewhere) {
  for (int round = 0; round < 3; ++round) {
    std::atomic<bool> done{false};
    std::atomic<int> claimed{0};
    std::thread reaper([&] {
      const auto until = SteadyClock::now() + 10s;
      while (!done && SteadyClock::now() < until) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, 0);  // blocks while a child runs
        if (pid > 0) {
          if (common::claim_reaped_command(pid, status)) ++claimed;
        } else {
          std::this_thread::sleep_for(1ms);  // no child yet (ECHILD): look again
        }
      }
    });
    const auto outcome = common::run_command_with_input({"/bin/sh", "-c", "sleep 0.2; exit 7"},
                                                        {"PATH=/usr/bin:/bin"}, "", 5s);
    done = true;
    reaper.join();
    EXPECT_EQ(outcome.kind, common::CommandOutcome::Kind::exited) << "round " << round;
    EXPECT_EQ(outcome.exit_code, 7) << "round " << round;
    std::cerr << "round " << round << ": reaped " << (claimed ? "elsewhere" : "by the runner")
              << "\n";
  }
}

TEST(DeliveryExec, MissingCommandIsAConfigResult) {
  const auto result = attempt_delivery(exec_receiver({"/nonexistent/opsagent-hook"}),
                                       job_for("cmd", make_notification("A")),
                                       config::process_environment(), who(), 300s);
  EXPECT_EQ(result.kind, Kind::config);
  EXPECT_NE(result.error.find("/nonexistent/opsagent-hook"), std::string::npos) << result.error;
  const auto empty = attempt_delivery(exec_receiver({}), job_for("cmd", make_notification("A")),
                                      config::process_environment(), who(), 300s);
  EXPECT_EQ(empty.kind, Kind::config);
}

}  // namespace
}  // namespace opsagent::alerts
