#include "agent/alerts/delivery/delivery.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <expected>
#include <utility>

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "common/process/exec_command.hpp"
#include "common/saturating_time.hpp"
#include "common/version.hpp"
#include "config/syntax/duration.hpp"
#include "probes/http/http_failure.hpp"

namespace opsagent::alerts {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr seconds kMaxRetryAfter = std::chrono::hours(1);
constexpr milliseconds kMaxConnectTimeout = seconds(5);
// The delivery thread never waits longer than this at once, so a wall-clock jump (next_attempt
// is wall-clock time: it survives restarts in the state file) is noticed within a minute.
constexpr milliseconds kMaxIdleWait = std::chrono::minutes(1);

// ----------------------------------------------------------------------------------------------
// Small text helpers

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<int> to_int(std::string_view s, std::size_t min_digits, std::size_t max_digits) {
  if (s.size() < min_digits || s.size() > max_digits || !all_digits(s)) return std::nullopt;
  int value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value;
}

// Text that came from outside (a host name from an environment variable, a command's stderr)
// goes into log lines, which may be JSON: keep printable ASCII only.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : (c == '\n' || c == '\t' ? ' ' : '?');
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string alertname_of(const Notification& n) {
  if (auto it = n.alert.labels.find("alertname"); it != n.alert.labels.end()) return it->second;
  return n.alert.rule;
}

void cleanse(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

// ----------------------------------------------------------------------------------------------
// HTTP-date (RFC 9110 5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms.

int month_number(std::string_view m) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (m == kMonths[i]) return i + 1;
  }
  return 0;
}

std::optional<WallClock::time_point> parse_http_date(std::string_view text) {
  std::vector<std::string_view> t;
  for (std::size_t i = 0; i < text.size();) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != ',') ++i;
    if (i > start) t.push_back(text.substr(start, i - start));
  }
  std::optional<int> day, year;
  int month = 0;
  std::string_view clock, zone = "GMT";
  if (t.size() == 6) {  // Sun, 06 Nov 1994 08:49:37 GMT
    day = to_int(t[1], 2, 2);
    month = month_number(t[2]);
    year = to_int(t[3], 4, 4);
    clock = t[4];
    zone = t[5];
  } else if (t.size() == 4) {  // Sunday, 06-Nov-94 08:49:37 GMT
    const auto d = t[1];
    if (d.size() != 9 || d[2] != '-' || d[6] != '-') return std::nullopt;
    day = to_int(d.substr(0, 2), 2, 2);
    month = month_number(d.substr(3, 3));
    if (auto yy = to_int(d.substr(7, 2), 2, 2)) year = *yy < 70 ? 2000 + *yy : 1900 + *yy;
    clock = t[2];
    zone = t[3];
  } else if (t.size() == 5) {  // Sun Nov  6 08:49:37 1994
    month = month_number(t[1]);
    day = to_int(t[2], 1, 2);
    clock = t[3];
    year = to_int(t[4], 4, 4);
  } else {
    return std::nullopt;
  }
  if (t[0].empty() || !std::all_of(t[0].begin(), t[0].end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      })) {
    return std::nullopt;
  }
  if (zone != "GMT" && zone != "UTC") return std::nullopt;
  if (!day || !year || month == 0 || clock.size() != 8 || clock[2] != ':' || clock[5] != ':') {
    return std::nullopt;
  }
  const auto h = to_int(clock.substr(0, 2), 2, 2);
  const auto m = to_int(clock.substr(3, 2), 2, 2);
  const auto s = to_int(clock.substr(6, 2), 2, 2);
  if (!h || !m || !s || *h > 23 || *m > 59 || *s > 60) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{*year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::hours(*h) + std::chrono::minutes(*m) +
         seconds(*s);
}

// ----------------------------------------------------------------------------------------------
// URLs: scheme://[user[:password]@]host[:port][/path][?query][#fragment], http or https.
// Error messages never repeat the URL (paths of Slack and webhook URLs are credentials).

struct Url {
  bool https = false;
  std::string host;  // without brackets
  int port = 80;
  std::string target = "/";  // path and query
  std::string user;          // from user:password@, if any
  std::string password;

  std::string host_display() const {
    const std::string h = printable(host);
    return host.find(':') != std::string::npos ? "[" + h + "]" : h;
  }
};

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      const auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc{} && p == s.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::expected<Url, std::string> parse_url(std::string_view text) {
  Url url;
  auto lower_prefix = [&](std::string_view p) {
    if (text.size() < p.size()) return false;
    // NOLINTNEXTLINE(modernize-loop-convert): `i` indexes `text` too, which clang-tidy 16 misses
    for (std::size_t i = 0; i < p.size(); ++i) {
      const char c = text[i];
      if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != p[i]) return false;
    }
    return true;
  };
  if (lower_prefix("https://")) {
    url.https = true;
    url.port = 443;
    text.remove_prefix(8);
  } else if (lower_prefix("http://")) {
    text.remove_prefix(7);
  } else {
    return std::unexpected("the scheme is not http:// or https://");
  }
  const std::size_t end = text.find_first_of("/?#");
  std::string_view authority = text.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? std::string_view{} : text.substr(end);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  // Not "/" + std::string(rest): g++ 12 at -O3 reports a false -Wrestrict for a one-character
  // literal prepended to a temporary string.
  url.target = rest.empty()
                   ? "/"
                   : (rest.front() == '?' ? std::string("/").append(rest) : std::string(rest));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const auto colon = userinfo.find(':');
    url.user = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) url.password = percent_decode(userinfo.substr(colon + 1));
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::unexpected("the IPv6 host lacks its ']'");
    url.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::unexpected("unexpected text after the IPv6 host");
      port_text = after.substr(1);
      if (port_text.empty()) return std::unexpected("the port is empty");
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return std::unexpected("the port is empty");
    }
  }
  if (url.host.empty()) return std::unexpected("the URL has no host");
  if (std::any_of(url.host.begin(), url.host.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '<' || c == '>';
      })) {
    return std::unexpected("the host contains spaces or control characters");
  }
  if (!port_text.empty()) {
    const auto port = to_int(port_text, 1, 5);
    if (!port || *port < 1 || *port > 65535) {
      return std::unexpected("the port is not a number from 1 to 65535");
    }
    url.port = *port;
  }
  if (std::any_of(url.target.begin(), url.target.end(),
                  [](char c) { return c == ' ' || c == '\r' || c == '\n' || c == '\0'; })) {
    return std::unexpected("the path contains spaces or line breaks");
  }
  return url;
}

// Alertmanager's url is its base ("http://am:9093", or with a path prefix behind a proxy).
std::string alertmanager_target(std::string_view target) {
  constexpr std::string_view kApi = "/api/v2/alerts";
  const auto q = target.find('?');
  std::string path(target.substr(0, q));
  const std::string query(q == std::string_view::npos ? std::string_view{} : target.substr(q));
  if (!path.ends_with(kApi)) {
    while (!path.empty() && path.back() == '/') path.pop_back();
    path += kApi;
  }
  return path + query;
}

// ----------------------------------------------------------------------------------------------
// Attempts

AttemptResult config_result(std::string error) {
  AttemptResult r;
  r.kind = AttemptResult::Kind::config;
  r.error = std::move(error);
  return r;
}

// A variable named by url_env, secret_env or routing_key_env. Unset and empty are alike: both
// are configuration mistakes, reported by the variable's name.
std::expected<std::string, AttemptResult> from_env(const config::Environment& env,
                                                   const std::string& variable,
                                                   std::string_view key) {
  std::optional<std::string> value = env ? env(variable) : std::nullopt;
  if (!value || value->empty()) {
    return std::unexpected(config_result(fmt::format(
        "environment variable {} (named by {}) is not set or is empty", variable, key)));
  }
  return std::move(*value);
}

// Shuts the client's socket down when the attempt's deadline passes. httplib's timeouts apply
// to each connect, send and recv: a peer trickling its answer a byte at a time would get past
// them. httplib::ClientImpl::stop() is the one call it supports from another thread while a
// request runs; while httplib is resolving the name, connecting or doing the TLS handshake it
// holds its socket lock and stop() waits for that to end (bounded by the connect timeout per
// step), so the watchdog keeps calling it until the request returns.
class Watchdog {
 public:
  Watchdog(httplib::ClientImpl& client, SteadyClock::time_point deadline)
      : client_(client), thread_([this, deadline] { run(deadline); }) {}
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool fired() const {
    std::lock_guard lock(mutex_);
    return fired_;
  }

 private:
  void run(SteadyClock::time_point deadline) {
    std::unique_lock lock(mutex_);
    if (cv_.wait_until(lock, deadline, [this] { return done_; })) return;
    fired_ = true;
    while (!done_) {
      lock.unlock();
      client_.stop();
      lock.lock();
      cv_.wait_for(lock, milliseconds(50), [this] { return done_; });
    }
  }

  httplib::ClientImpl& client_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;  // last: started once the members above exist
};

AttemptResult http_post(const config::AlertReceiver& receiver, const Url& url, std::string body,
                        httplib::Headers headers) {
  const milliseconds timeout = std::max(receiver.timeout, milliseconds(100));
  std::unique_ptr<httplib::ClientImpl> client;
  if (url.https) {
    client = std::make_unique<httplib::SSLClient>(url.host, url.port);
  } else {
    client = std::make_unique<httplib::ClientImpl>(url.host, url.port);
  }
  client->set_connection_timeout(std::min(timeout, kMaxConnectTimeout));
  client->set_read_timeout(timeout);
  client->set_write_timeout(timeout);
  client->set_keep_alive(false);
  client->set_follow_location(false);  // a redirect must not carry the body (or a key) elsewhere
  if (!url.user.empty() || !url.password.empty()) client->set_basic_auth(url.user, url.password);

  httplib::Request request;
  request.method = "POST";
  request.path = url.target;
  request.headers = std::move(headers);
  request.headers.emplace("Content-Type", "application/json");
  request.headers.emplace("User-Agent", std::string("opsagent/") + kVersion);
  request.body = std::move(body);
  // The answer's body is not used: discard it as it arrives, whatever its size.
  request.content_receiver = [](const char*, std::size_t, std::uint64_t, std::uint64_t) {
    return true;
  };

  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  bool ok = false;
  bool cut = false;
  const auto start = SteadyClock::now();
  {
    Watchdog watchdog(*client, common::saturating_add(start, timeout));
    ok = client->send(request, response, error);
    cut = watchdog.fired();
  }
  const auto elapsed = SteadyClock::now() - start;
  const std::string host = url.host_display();

  AttemptResult result;
  if (ok) {
    result.status = response.status;
    if (response.status >= 200 && response.status < 300) {
      result.kind = AttemptResult::Kind::delivered;
      return result;
    }
    result.kind = AttemptResult::Kind::http_status;
    if (response.has_header("Retry-After")) {
      result.retry_after =
          parse_retry_after(response.get_header_value("Retry-After"), WallClock::now());
    }
    result.error = fmt::format("{} answered HTTP {}", host, response.status);
    return result;
  }
  const bool read_timed_out =
      error == httplib::Error::Read && elapsed >= timeout - milliseconds(50);
  if (cut || read_timed_out) {
    result.kind = AttemptResult::Kind::timeout;
    result.error =
        fmt::format("{} did not answer within {}", host, config::format_duration(timeout));
  } else if (error == httplib::Error::ConnectionTimeout) {
    result.kind = AttemptResult::Kind::timeout;
    result.error = fmt::format("could not connect to {} within {}", host,
                               config::format_duration(std::min(timeout, kMaxConnectTimeout)));
  } else {
    result.kind = AttemptResult::Kind::network;
    // httplib says only "Connection": look at the peer once more, within what is left of the
    // attempt's time, but long enough for a refusal to show and never longer than a connect.
    const auto now = SteadyClock::now();
    const auto until = std::clamp(common::saturating_add(start, timeout), now + milliseconds(500),
                                  now + kMaxConnectTimeout);
    result.error = fmt::format(
        "{}: {}", host,
        probes::describe_http_error(error, url.host, static_cast<std::uint16_t>(url.port), until));
  }
  return result;
}

std::string describe_command(const config::AlertReceiver& receiver) {
  // argv[0] only: arguments may carry tokens.
  return printable(receiver.command.empty() ? std::string() : receiver.command.front());
}

AttemptResult exec_attempt(const config::AlertReceiver& receiver, const DeliveryJob& job,
                           const config::Environment& env, const AgentIdentity& who) {
  if (receiver.command.empty()) return config_result("the exec receiver has no command");
  std::vector<std::string> environment = exec_environment(job.notification, who);
  // Nothing else of the agent's environment: it holds DATABASE_URL and the receivers' secrets.
  for (const char* name : {"PATH", "HOME", "LANG"}) {
    if (!env) break;
    if (auto value = env(name); value && !value->empty()) {
      environment.push_back(std::string(name) + "=" + *value);
    }
  }
  const std::string input = webhook_body(job.notification, receiver.name, who);
  const milliseconds timeout = std::max(receiver.timeout, milliseconds(100));
  const common::CommandOutcome outcome =
      common::run_command_with_input(receiver.command, environment, input, timeout);
  const std::string command = describe_command(receiver);
  const std::string stderr_text = printable(outcome.stderr_head);
  const std::string stderr_note = stderr_text.empty() ? "" : "; stderr: " + stderr_text;

  AttemptResult result;
  switch (outcome.kind) {
    case common::CommandOutcome::Kind::exited:
      result.status = outcome.exit_code;
      if (outcome.exit_code == 0) return result;  // delivered
      result.kind = AttemptResult::Kind::exec_failed;
      result.error = fmt::format("command {} exited with status {}{}", command, outcome.exit_code,
                                 stderr_note);
      return result;
    case common::CommandOutcome::Kind::signaled:
      result.kind = AttemptResult::Kind::exec_failed;
      result.status = outcome.exit_code;
      result.error = fmt::format("command {} was killed by signal {}{}", command,
                                 outcome.exit_code - 128, stderr_note);
      return result;
    case common::CommandOutcome::Kind::timed_out:
      result.kind = AttemptResult::Kind::timeout;
      result.error = fmt::format("command {} did not finish within {}: killed{}", command,
                                 config::format_duration(timeout), stderr_note);
      return result;
    case common::CommandOutcome::Kind::status_unknown:
      // Supervise mode reaps every child with waitpid(-1) on SIGCHLD and may get there first.
      spdlog::warn(
          "alerts: receiver {}: command {} ended but another part of the agent reaped it "
          "first without handing over its exit status (claim_reaped_command), so the outcome is "
          "unknown; the notification will be sent again",
          receiver.name, command);
      result.kind = AttemptResult::Kind::exec_failed;
      result.status = -1;
      result.error = fmt::format(
          "command {} ended with an unknown exit status (reaped "
          "elsewhere){}",
          command, stderr_note);
      return result;
    case common::CommandOutcome::Kind::spawn_failed:
      break;
  }
  const int e = outcome.spawn_errno;
  const std::string why = fmt::format("could not run command {}: {}", command, std::strerror(e));
  // A command that does not exist or may not be run stays so until the config changes.
  if (e == ENOENT || e == EACCES || e == ENOEXEC || e == ENOTDIR || e == ELOOP ||
      e == ENAMETOOLONG || e == EINVAL || e == EPERM) {
    return config_result(why);
  }
  result.kind = AttemptResult::Kind::exec_failed;
  result.status = 127;
  result.error = why;
  return result;
}

AttemptResult attempt_http(const config::AlertReceiver& receiver, const DeliveryJob& job,
                           const config::Environment& env, const AgentIdentity& who,
                           std::chrono::seconds alertmanager_ttl) {
  using Type = config::AlertReceiver::Type;
  std::string url_text;
  std::string url_source = "url";
  if (!receiver.url_env.empty()) {
    auto value = from_env(env, receiver.url_env, "url_env");
    if (!value) return value.error();
    url_text = std::move(*value);
    url_source = "environment variable " + receiver.url_env;
  } else if (!receiver.url.empty()) {
    url_text = receiver.url;
  } else if (receiver.type == Type::pagerduty) {
    url_text = std::string(kPagerDutyEventsUrl);
  } else {
    return config_result("the receiver has neither url nor url_env");
  }
  auto url = parse_url(url_text);
  cleanse(url_text);
  if (!url)
    return config_result(fmt::format("the URL in {} is not usable: {}", url_source, url.error()));

  const Notification& n = job.notification;
  httplib::Headers headers;
  std::string body;
  switch (receiver.type) {
    case Type::webhook: {
      body = webhook_body(n, receiver.name, who);
      if (receiver.secret_env.empty()) break;
      auto secret = from_env(env, receiver.secret_env, "secret_env");
      if (!secret) return secret.error();
      auto keys = parse_webhook_secrets(*secret);
      cleanse(*secret);
      if (!keys) {
        return config_result(
            fmt::format("environment variable {}: {}", receiver.secret_env, keys.error()));
      }
      const std::int64_t timestamp =
          std::chrono::duration_cast<seconds>(WallClock::now().time_since_epoch()).count();
      headers.emplace("webhook-id", n.id);
      headers.emplace("webhook-timestamp", std::to_string(timestamp));
      headers.emplace("webhook-signature", webhook_signature(*keys, n.id, timestamp, body));
      for (auto& k : *keys) cleanse(k);
      break;
    }
    case Type::slack:
      body = slack_body(n, who);
      break;
    case Type::pagerduty: {
      if (receiver.routing_key_env.empty()) {
        return config_result("the pagerduty receiver has no routing_key_env");
      }
      auto key = from_env(env, receiver.routing_key_env, "routing_key_env");
      if (!key) return key.error();
      body = pagerduty_body(n, *key, who);
      cleanse(*key);
      break;
    }
    case Type::alertmanager:
      url->target = alertmanager_target(url->target);
      body = alertmanager_body(n, WallClock::now(), alertmanager_ttl, who);
      break;
    case Type::exec:
      break;  // not here
  }
  auto result = http_post(receiver, *url, std::move(body), std::move(headers));
  cleanse(url->target);
  cleanse(url->password);
  return result;
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// Retry rules

RetryDecision decide_retry(const AttemptResult& result, int attempts, const RetryPolicy& policy,
                           double jitter) {
  using Action = RetryDecision::Action;
  using Kind = AttemptResult::Kind;
  switch (result.kind) {
    case Kind::delivered:
      return {Action::done, milliseconds(0)};
    case Kind::config:
      return {Action::give_up, milliseconds(0)};
    case Kind::http_status: {
      const int s = result.status;
      if (s >= 200 && s < 300) return {Action::done, milliseconds(0)};
      if (s == 410) return {Action::disable, milliseconds(0)};
      if (s != 408 && s != 429 && !(s >= 500 && s < 600)) return {Action::give_up, milliseconds(0)};
      break;
    }
    case Kind::network:
    case Kind::timeout:
    case Kind::exec_failed:
      break;
  }
  const milliseconds cap = std::max(policy.max_backoff, milliseconds(1));
  milliseconds backoff = std::clamp(policy.first_backoff, milliseconds(1), cap);
  for (int i = 1; i < attempts && backoff < cap; ++i) {
    backoff = backoff > cap / 2 ? cap : backoff * 2;
  }
  if (!(jitter >= 0.0)) jitter = 0.0;  // NaN too
  if (jitter >= 1.0) jitter = 0.0;
  const milliseconds half = backoff / 2;
  const auto spread = static_cast<double>((backoff - half).count());
  milliseconds wait = half + milliseconds(static_cast<milliseconds::rep>(jitter * spread));
  if (wait >= backoff && backoff > milliseconds(0)) wait = backoff - milliseconds(1);
  if (result.retry_after) {
    const milliseconds asked = std::min(*result.retry_after, kMaxRetryAfter);
    if (asked > wait) wait = asked;
  }
  return {Action::retry, wait};
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      WallClock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (all_digits(value)) {
    if (value.size() > 9) return kMaxRetryAfter;
    int s = 0;
    std::from_chars(value.data(), value.data() + value.size(), s);
    return std::min(seconds(s), kMaxRetryAfter);
  }
  const auto when = parse_http_date(value);
  if (!when) return std::nullopt;
  if (*when <= now) return seconds(0);
  return std::min(std::chrono::ceil<seconds>(*when - now), kMaxRetryAfter);
}

AttemptResult attempt_delivery(const config::AlertReceiver& receiver, const DeliveryJob& job,
                               const config::Environment& env, const AgentIdentity& who,
                               std::chrono::seconds alertmanager_ttl) {
  try {
    if (receiver.type == config::AlertReceiver::Type::exec) {
      return exec_attempt(receiver, job, env, who);
    }
    return attempt_http(receiver, job, env, who, alertmanager_ttl);
  } catch (const std::exception& e) {
    // Building a body or a signature failed: a bug, not something a retry would fix.
    return config_result(
        fmt::format("internal error while preparing the notification: {}", e.what()));
  }
}

// ----------------------------------------------------------------------------------------------
// DeliveryQueue

namespace {

bool is_resolve(const DeliveryJob& job) {
  return job.notification.kind == NotificationKind::resolved || job.notification.alert.resolved();
}

// Older than give_up_after at `when`. A notification without a creation time never is.
bool too_old(const DeliveryJob& job, WallClock::time_point when, const RetryPolicy& policy) {
  const auto created = job.notification.created;
  if (created == WallClock::time_point{}) return false;
  return when - created > policy.give_up_after;
}

}  // namespace

DeliveryQueue::DeliveryQueue(Options options, Attempt attempt, OnChange on_change)
    : options_(std::move(options)), attempt_(std::move(attempt)), on_change_(std::move(on_change)) {
  options_.capacity_per_receiver = std::max<std::size_t>(options_.capacity_per_receiver, 1);
}

DeliveryQueue::~DeliveryQueue() {
  std::lock_guard life(lifecycle_mutex_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  // Waits for an attempt in flight: bounded by its receiver's timeout (see attempt_delivery).
  if (thread_.joinable()) thread_.join();
}

const config::AlertReceiver* DeliveryQueue::receiver_locked(const std::string& name) const {
  for (const auto& r : receivers_) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

void DeliveryQueue::set_receivers(std::vector<config::AlertReceiver> receivers) {
  {
    std::lock_guard lock(mutex_);
    for (const auto& r : receivers) {
      auto& st = stats_[r.name];
      if (!st.disabled) continue;
      const auto* old = receiver_locked(r.name);
      if (old == nullptr || !(*old == r)) {
        st.disabled = false;
        spdlog::info("alerts: receiver {} is enabled again: its configuration changed", r.name);
      }
    }
    receivers_ = std::move(receivers);
  }
  cv_.notify_all();
}

void DeliveryQueue::start() {
  std::lock_guard life(lifecycle_mutex_);
  std::unique_lock lock(mutex_);
  if (thread_.joinable()) {
    if (!finished_) {
      stopping_ = false;  // a stop() that timed out: the thread is still there, carry on
      return;
    }
    lock.unlock();
    thread_.join();
    lock.lock();
  }
  stopping_ = false;
  finished_ = false;
  thread_ = std::thread([this] { run(); });
}

void DeliveryQueue::stop(std::chrono::milliseconds timeout) {
  std::lock_guard life(lifecycle_mutex_);
  std::unique_lock lock(mutex_);
  stopping_ = true;
  cv_.notify_all();
  if (!thread_.joinable()) return;
  const bool finished = cv_.wait_for(lock, timeout, [this] { return finished_; });
  lock.unlock();
  if (finished) {
    thread_.join();
  } else {
    // Not detached: the destructor joins it, which waits at most for the attempt's own bound.
    spdlog::warn(
        "alerts: an attempt to deliver a notification is still running after {}; the "
        "delivery thread ends when that attempt's timeout expires",
        config::format_duration(timeout));
  }
}

bool DeliveryQueue::push(DeliveryJob job) {
  {
    std::lock_guard lock(mutex_);
    if (receiver_locked(job.receiver) == nullptr) return false;
    auto& st = stats_[job.receiver];
    if (st.disabled) return false;
    if (job.next_attempt == WallClock::time_point{}) job.next_attempt = WallClock::now();
    auto& queue = queues_[job.receiver];
    while (queue.size() >= options_.capacity_per_receiver) {
      auto victim = std::find_if(queue.begin(), queue.end(),
                                 [](const DeliveryJob& j) { return !is_resolve(j); });
      if (victim == queue.end()) victim = queue.begin();  // all resolves: the oldest goes
      ++st.dropped;
      spdlog::warn(
          "alerts: the delivery queue of receiver {} is full ({} notifications): dropped "
          "the oldest, {} {} (after {} attempt(s)), to make room",
          job.receiver, queue.size(), to_string(victim->notification.kind),
          alertname_of(victim->notification), victim->attempts);
      queue.erase(victim);
    }
    queue.push_back(std::move(job));
  }
  cv_.notify_all();
  return true;
}

std::vector<DeliveryJob> DeliveryQueue::pending() const {
  std::lock_guard lock(mutex_);
  std::vector<DeliveryJob> out;
  bool in_flight_listed = !in_flight_.has_value();
  for (const auto& [name, queue] : queues_) {
    if (!in_flight_listed && in_flight_->receiver == name) {
      out.push_back(*in_flight_);  // it was the head of this queue
      in_flight_listed = true;
    }
    out.insert(out.end(), queue.begin(), queue.end());
  }
  if (!in_flight_listed) out.push_back(*in_flight_);
  return out;
}

std::map<std::string, ReceiverStats> DeliveryQueue::stats() const {
  std::lock_guard lock(mutex_);
  auto out = stats_;
  for (const auto& r : receivers_) out[r.name];
  for (const auto& [name, queue] : queues_) out[name].queued = queue.size();
  if (in_flight_) ++out[in_flight_->receiver].queued;
  return out;
}

void DeliveryQueue::notify_change(std::unique_lock<std::mutex>& lock) {
  if (!on_change_ || stopping_) return;  // after stop() the owner persists pending() itself
  lock.unlock();
  try {
    on_change_();
  } catch (const std::exception& e) {
    spdlog::error("alerts: saving the delivery state failed: {}", e.what());
  } catch (...) {
    spdlog::error("alerts: saving the delivery state failed");
  }
  lock.lock();
}

bool DeliveryQueue::drop_unconfigured_locked() {
  bool dropped = false;
  for (auto it = queues_.begin(); it != queues_.end();) {
    if (receiver_locked(it->first) != nullptr) {
      ++it;
      continue;
    }
    if (!it->second.empty()) {
      stats_[it->first].dropped += it->second.size();
      spdlog::warn(
          "alerts: receiver {} is no longer configured: dropped its {} undelivered "
          "notification(s)",
          it->first, it->second.size());
      dropped = true;
    }
    it = queues_.erase(it);
  }
  return dropped;
}

void DeliveryQueue::finish_attempt_locked(DeliveryJob job, const AttemptResult& result,
                                          double jitter) {
  const auto decision = decide_retry(result, job.attempts, options_.retry, jitter);
  auto& st = stats_[job.receiver];
  const std::string alert = alertname_of(job.notification);
  const auto kind = to_string(job.notification.kind);
  switch (decision.action) {
    case RetryDecision::Action::done:
      ++st.delivered;
      // Alertmanager's refresh goes out every minute while an alert fires: routine, not news.
      spdlog::log(job.notification.kind == NotificationKind::refresh ? spdlog::level::debug
                                                                     : spdlog::level::info,
                  "alerts: delivered {} {} to receiver {}{}", kind, alert, job.receiver,
                  job.attempts > 1 ? fmt::format(" (attempt {})", job.attempts) : "");
      return;
    case RetryDecision::Action::retry: {
      const auto next = common::saturating_add(WallClock::now(), decision.wait);
      if (too_old(job, next, options_.retry)) {
        ++st.failed;
        spdlog::error(
            "alerts: giving up on {} {} for receiver {} after {} attempt(s): {}; it "
            "would be older than {} at the next attempt",
            kind, alert, job.receiver, job.attempts, result.error,
            config::format_duration(options_.retry.give_up_after));
        return;
      }
      ++st.retried;
      spdlog::warn(
          "alerts: delivering {} {} to receiver {} failed: {}; retrying in {} (attempt {} "
          "failed)",
          kind, alert, job.receiver, result.error, config::format_duration(decision.wait),
          job.attempts);
      job.next_attempt = next;
      queues_[job.receiver].push_front(std::move(job));  // still the head: order is kept
      return;
    }
    case RetryDecision::Action::give_up:
      ++st.failed;
      spdlog::error("alerts: giving up on {} {} for receiver {}: {} (not retried)", kind, alert,
                    job.receiver, result.error);
      return;
    case RetryDecision::Action::disable: {
      auto& queue = queues_[job.receiver];
      st.disabled = true;
      st.failed += 1 + queue.size();
      spdlog::error(
          "alerts: receiver {} answered 410 Gone: disabled until the config changes; "
          "{} {} and {} queued notification(s) are dropped as failed. The endpoint "
          "no longer exists (a deleted Slack webhook or PagerDuty integration, a "
          "removed route): point its url/url_env (or routing key) at a live endpoint "
          "and reload (SIGHUP) or restart the agent",
          job.receiver, kind, alert, queue.size());
      queue.clear();
      return;
    }
  }
}

void DeliveryQueue::run() {
  std::unique_lock lock(mutex_);
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  for (;;) {
    if (stopping_) {
      finished_ = true;
      cv_.notify_all();  // stop() waits on it too
      return;
    }
    if (drop_unconfigured_locked()) {
      notify_change(lock);
      continue;
    }
    const auto now = WallClock::now();
    // The receiver whose head is due earliest. push() stamps new jobs with their arrival time,
    // so among receivers with work due now, the oldest work goes first: a backlog (or a
    // retrying receiver) at one receiver does not starve the others.
    const std::string* best = nullptr;
    WallClock::time_point best_due{};
    for (const auto& [name, queue] : queues_) {
      if (queue.empty()) continue;
      const auto due = queue.front().next_attempt;
      if (best == nullptr || due < best_due) {
        best = &name;
        best_due = due;
      }
    }
    if (best == nullptr) {
      cv_.wait_for(lock, kMaxIdleWait);
      continue;
    }
    if (best_due > now) {
      cv_.wait_for(lock, std::min(kMaxIdleWait, std::chrono::ceil<milliseconds>(best_due - now)));
      continue;
    }

    const std::string name = *best;
    auto& queue = queues_[name];
    DeliveryJob job = std::move(queue.front());
    queue.pop_front();
    auto& st = stats_[name];
    if (st.disabled) {  // cannot happen (disabling empties the queue); keep the counts right
      ++st.failed;
      continue;
    }
    if (too_old(job, now, options_.retry)) {
      ++st.failed;
      spdlog::error("alerts: giving up on {} {} for receiver {} after {} attempt(s): older than {}",
                    to_string(job.notification.kind), alertname_of(job.notification), name,
                    job.attempts, config::format_duration(options_.retry.give_up_after));
      notify_change(lock);
      continue;
    }
    const config::AlertReceiver receiver = *receiver_locked(name);  // dropped above otherwise
    in_flight_ = job;

    lock.unlock();
    AttemptResult result;
    try {
      result = attempt_(receiver, job);
    } catch (const std::exception& e) {
      result = config_result(fmt::format("internal error: {}", e.what()));
    } catch (...) {
      result = config_result("internal error");
    }
    lock.lock();

    in_flight_.reset();
    ++job.attempts;
    finish_attempt_locked(std::move(job), result, jitter(rng_));
    notify_change(lock);
  }
}

}  // namespace opsagent::alerts
