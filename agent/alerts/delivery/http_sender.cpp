#include "agent/alerts/delivery/http_sender.hpp"

#include <algorithm>
#include <memory>

#include <fmt/format.h>
#include <httplib.h>

#include "agent/alerts/delivery/retry_policy.hpp"
#include "common/saturating_time.hpp"
#include "common/text/log_text.hpp"
#include "common/version.hpp"
#include "config/syntax/duration.hpp"
#include "probes/http/bounded_request.hpp"
#include "probes/http/http_failure.hpp"

namespace opsagent::alerts {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds kMinTimeout{100};
constexpr milliseconds kMaxConnectTimeout = std::chrono::seconds(5);

}  // namespace

std::string host_for_log(const config::HttpUrl& url) {
  const std::string host = common::log_safe(url.host);
  return url.host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

AttemptResult http_post(const config::HttpUrl& url, std::string body, const HttpHeaders& headers,
                        milliseconds receiver_timeout) {
  const milliseconds timeout = std::max(receiver_timeout, kMinTimeout);
  const auto client = probes::make_client(url, std::min(timeout, kMaxConnectTimeout), timeout);

  httplib::Request request;
  request.method = "POST";
  request.path = url.path;
  for (const auto& [name, value] : headers) request.headers.emplace(name, value);
  request.headers.emplace("Content-Type", "application/json");
  request.headers.emplace("User-Agent", std::string("opsagent/") + kVersion);
  request.body = std::move(body);
  const auto start = SteadyClock::now();
  const auto reply =
      probes::send_bounded(*client, std::move(request), common::saturating_add(start, timeout));
  const auto& response = reply.response;
  const auto error = reply.error;
  const std::string host = host_for_log(url);

  AttemptResult result;
  if (reply.answered) {
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
      error == httplib::Error::Read && reply.elapsed >= timeout - milliseconds(50);
  if (reply.cut || read_timed_out) {
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
    result.error =
        fmt::format("{}: {}", host, probes::describe_http_error(error, url.host, url.port, until));
  }
  return result;
}

}  // namespace opsagent::alerts
