#include "agent/daemon/commands.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "agent/alerts/alert_book.hpp"
#include "agent/alerts/alerter.hpp"
#include "agent/alerts/delivery/delivery.hpp"
#include "agent/daemon/identity.hpp"
#include "agent/web/readiness.hpp"
#include "agent/web/render_json.hpp"
#include "common/saturating_time.hpp"
#include "config/syntax/duration.hpp"
#include "config/syntax/http_url.hpp"
#include "config/load.hpp"
#include "config/warnings.hpp"
#include "probes/http/http_failure.hpp"
#include "probes/probe_loop.hpp"

namespace opsagent::daemon {

namespace {

std::optional<config::Config> load_or_report(const std::string& path, const char* prefix) {
  auto loaded = config::load_config_file(path, config::process_environment());
  if (!loaded) {
    for (const auto& e : loaded.error()) std::cerr << prefix << e.to_string() << "\n";
    return std::nullopt;
  }
  return std::move(*loaded);
}

web::RenderContext context_for(const probes::Snapshot& s, const config::Config& c) {
  web::RenderContext ctx;
  ctx.snapshot = &s;
  ctx.config = &c;
  ctx.now = SteadyClock::now();
  ctx.readiness = web::evaluate_readiness(&s, ctx.now, c.agent.stale_after, false);
  return ctx;
}

}  // namespace

int validate_command(const std::string& path) {
  auto config = load_or_report(path, "");
  if (!config) return kUnknown;
  std::cout << fmt::format("{}: OK ({} expected tables, {} migration markers)\n", path,
                           config->readiness.expected_tables.size(),
                           config->readiness.migrations.size());
  for (const auto& w : config::config_warnings(*config)) std::cerr << "warning: " << w << "\n";
  for (const auto& w : alerts::receiver_env_findings(*config, config::process_environment())) {
    std::cerr << "warning: " << w << "\n";
  }
  return kOk;
}

int check_command(const std::string& path, bool json) {
  auto config = load_or_report(path, "OPSAGENT UNKNOWN - config: ");
  if (!config) return kUnknown;
  probes::CycleProbes probes;
  const auto snapshot = probes::run_one_cycle(probes, *config, config::process_environment(), 1);
  const auto ctx = context_for(snapshot, *config);
  if (json) {
    std::cout << web::render_health(ctx).dump(2, ' ', false,
                                              nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << web::render_check_line(ctx) << "\n";
  }
  if (!ctx.readiness.ready) return kCritical;
  return snapshot.has_warnings() ? kWarning : kOk;
}

int status_command(const std::string& config_path, const std::string& url_option) {
  // The config is optional here: it only supplies the default address and the token variable.
  auto loaded = config::load_config_file(config_path, config::process_environment());
  std::string url = url_option;
  if (url.empty()) {
    std::string host = loaded ? loaded->agent.listen_host : "127.0.0.1";
    if (host == "0.0.0.0" || host == "::") host = host == "::" ? "[::1]" : "127.0.0.1";
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
    url = fmt::format("http://{}:{}", host, loaded ? loaded->agent.listen_port : 8080);
  }
  // Checked before httplib sees it: its constructor throws on a scheme it does not know, and it
  // took "http://[::1" or "file:///etc/passwd" for a host it then failed to reach.
  const auto parsed = config::parse_agent_url(url);
  if (!parsed) {
    std::cerr << "opsagent status: --url: " << parsed.error() << "\n";
    return kUnknown;
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::unique_ptr<httplib::ClientImpl> client;
  if (parsed->https) {
    client = std::make_unique<httplib::SSLClient>(parsed->host, parsed->port);
  } else {
    client = std::make_unique<httplib::ClientImpl>(parsed->host, parsed->port);
  }
  constexpr auto kConnectTimeout = std::chrono::seconds(3);
  client->set_connection_timeout(kConnectTimeout);
  client->set_read_timeout(std::chrono::seconds(5));
  httplib::Headers headers{{"Accept", "text/plain"}};
  if (loaded) {
    auto token_name = loaded->agent.token_env;
    if (auto token =
            token_name.empty() ? std::nullopt : config::process_environment()(token_name)) {
      headers.emplace("Authorization", "Bearer " + *token);
    }
  }
  auto res = client->Get("/status", headers);
  if (!res) {
    std::cerr << "opsagent status: no answer from " << url << ": "
              << probes::describe_http_error(res.error(), parsed->host, parsed->port,
                                             SteadyClock::now() + kConnectTimeout)
              << "\n";
    return kCritical;
  }
  if (res->status != 200) {
    std::cerr << "opsagent status: " << url << "/status answered HTTP " << res->status
              << (res->status == 401 ? " (set the token variable named by agent.token_env)" : "")
              << "\n";
    return kCritical;
  }
  std::cout << res->body;
  return kOk;
}

int wait_command(const std::string& path, config::Duration timeout) {
  auto config = load_or_report(path, "opsagent wait: config: ");
  if (!config) return kUnknown;
  const auto give_up = common::saturating_add(SteadyClock::now(), timeout);
  probes::CycleProbes probes;
  const auto env = config::process_environment();
  std::string last_reason;
  for (std::uint64_t sequence = 1;; ++sequence) {
    const auto snapshot = probes::run_one_cycle(probes, *config, env, sequence);
    const auto ctx = context_for(snapshot, *config);
    if (ctx.readiness.ready) {
      std::cout << "ready: " << ctx.readiness.reason << "\n";
      return kOk;
    }
    if (ctx.readiness.reason != last_reason) {
      std::cerr << "waiting: " << ctx.readiness.reason << "\n";
      last_reason = ctx.readiness.reason;
    }
    const auto now = SteadyClock::now();
    if (now >= give_up) break;
    std::this_thread::sleep_until(
        std::min(give_up, common::saturating_add(now, config->agent.interval)));
  }
  std::cerr << fmt::format("not ready after {}: {}\n", config::format_duration(timeout),
                           last_reason);
  return kCritical;
}

int test_alert_command(const std::string& config_path, const std::string& receiver) {
  auto config = load_or_report(config_path, "opsagent test-alert: config: ");
  if (!config) return kUnknown;
  const auto& receivers = config->alerts.receivers;
  const auto it = std::ranges::find(receivers, receiver, &config::AlertReceiver::name);
  if (it == receivers.end()) {
    std::string known;
    for (const auto& r : receivers) known += (known.empty() ? "" : ", ") + r.name;
    std::cerr << "opsagent test-alert: no receiver named \"" << receiver << "\" in " << config_path
              << (known.empty() ? " (it has no [[alerts.receivers]])" : "; receivers: " + known)
              << "\n";
    return kUnknown;
  }
  const auto who = agent_identity(*config);
  const auto env = config::process_environment();
  const auto send = [&](alerts::Notification n) {
    const auto start = SteadyClock::now();
    auto result = alerts::attempt_delivery(
        *it, alerts::DeliveryJob{.receiver = receiver, .notification = std::move(n)}, env, who,
        alerts::kAlertmanagerTtl);
    return std::pair{
        result, std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start)};
  };
  auto test = alerts::test_notification(receiver, who.database, WallClock::now());
  const auto [result, took] = send(test);
  if (result.kind != alerts::AttemptResult::Kind::delivered) {
    std::cerr << fmt::format("opsagent test-alert: not delivered to {}: {}\n", receiver,
                             result.error.empty() ? "failed" : result.error);
    return kCritical;
  }
  // PagerDuty and Alertmanager would keep the test open as an incident: close it at once.
  using Type = config::AlertReceiver::Type;
  if (it->type == Type::pagerduty || it->type == Type::alertmanager) {
    test.alert.ends_at = WallClock::now();
    auto resolve =
        alerts::notify(alerts::NotificationKind::resolved, test.alert, *test.alert.ends_at);
    if (const auto [closed, t] = send(std::move(resolve));
        closed.kind != alerts::AttemptResult::Kind::delivered) {
      std::cerr << fmt::format(
          "opsagent test-alert: the test was delivered but resolving it "
          "failed ({}); resolve it by hand\n",
          closed.error);
    }
  }
  std::cout << fmt::format("delivered a test notification to {} in {}\n", receiver,
                           config::format_duration(took));
  return kOk;
}

}  // namespace opsagent::daemon
