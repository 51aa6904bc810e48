#include "agent/alerts/delivery/attempt.hpp"

#include <openssl/crypto.h>

#include <exception>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "agent/alerts/delivery/exec_sender.hpp"
#include "agent/alerts/delivery/http_sender.hpp"
#include "agent/alerts/payloads/alertmanager.hpp"
#include "agent/alerts/payloads/pagerduty.hpp"
#include "agent/alerts/payloads/signing.hpp"
#include "agent/alerts/payloads/slack.hpp"
#include "agent/alerts/payloads/webhook.hpp"

namespace opsagent::alerts {

namespace {

void cleanse(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

// A variable named by url_env, secret_env or routing_key_env. Unset and empty are alike: both
// are configuration mistakes, reported by the variable's name.
std::expected<std::string, std::string> from_env(const config::Environment& env,
                                                 const std::string& variable,
                                                 std::string_view key) {
  std::optional<std::string> value = env ? env(variable) : std::nullopt;
  if (!value || value->empty()) {
    return std::unexpected(
        fmt::format("environment variable {} (named by {}) is not set or is empty", variable, key));
  }
  return std::move(*value);
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

AttemptResult attempt_http(const config::AlertReceiver& receiver, const DeliveryJob& job,
                           const config::Environment& env, const AgentIdentity& who,
                           std::chrono::seconds alertmanager_ttl) {
  using Type = config::AlertReceiver::Type;
  auto url = receiver_url(receiver, env);
  if (!url) return config_failure(url.error());

  const Notification& n = job.notification;
  HttpHeaders headers;
  std::string body;
  switch (receiver.type) {
    case Type::webhook: {
      body = webhook_body(n, receiver.name, who);
      if (receiver.secret_env.empty()) break;
      auto secret = from_env(env, receiver.secret_env, "secret_env");
      if (!secret) return config_failure(secret.error());
      auto keys = parse_webhook_secrets(*secret);
      cleanse(*secret);
      if (!keys) {
        return config_failure(
            fmt::format("environment variable {}: {}", receiver.secret_env, keys.error()));
      }
      const std::int64_t timestamp =
          std::chrono::duration_cast<std::chrono::seconds>(WallClock::now().time_since_epoch())
              .count();
      headers.emplace_back("webhook-id", n.id);
      headers.emplace_back("webhook-timestamp", std::to_string(timestamp));
      headers.emplace_back("webhook-signature", webhook_signature(*keys, n.id, timestamp, body));
      for (auto& k : *keys) cleanse(k);
      break;
    }
    case Type::slack:
      body = slack_body(n, who);
      break;
    case Type::pagerduty: {
      if (receiver.routing_key_env.empty()) {
        return config_failure("the pagerduty receiver has no routing_key_env");
      }
      auto key = from_env(env, receiver.routing_key_env, "routing_key_env");
      if (!key) return config_failure(key.error());
      body = pagerduty_body(n, *key, who);
      cleanse(*key);
      break;
    }
    case Type::alertmanager:
      url->path = alertmanager_target(url->path);
      body = alertmanager_body(n, WallClock::now(), alertmanager_ttl, who);
      break;
    case Type::exec:
      break;  // not here
  }
  auto result = http_post(*url, std::move(body), headers, receiver.timeout);
  cleanse(url->path);
  cleanse(url->url);
  return result;
}

}  // namespace

std::expected<config::HttpUrl, std::string> receiver_url(const config::AlertReceiver& receiver,
                                                         const config::Environment& env) {
  if (!receiver.url_env.empty()) {
    auto value = from_env(env, receiver.url_env, "url_env");
    if (!value) return std::unexpected(value.error());
    auto url = config::parse_receiver_url(*value);
    cleanse(*value);
    if (!url) {
      return std::unexpected(
          fmt::format("environment variable {} (named by url_env) does not hold a usable URL: {}",
                      receiver.url_env, url.error()));
    }
    return url;
  }
  std::string_view text = receiver.url;
  if (text.empty()) {
    if (receiver.type != config::AlertReceiver::Type::pagerduty) {
      return std::unexpected("the receiver has neither url nor url_env");
    }
    text = kPagerDutyEventsUrl;
  }
  auto url = config::parse_receiver_url(text);
  if (!url) return std::unexpected(fmt::format("the URL in url is not usable: {}", url.error()));
  return url;
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
    return config_failure(
        fmt::format("internal error while preparing the notification: {}", e.what()));
  }
}

}  // namespace opsagent::alerts
