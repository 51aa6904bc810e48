#include "probes/http/upstream_request.hpp"

#include <arpa/inet.h>
#include <httplib.h>

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "common/text/log_text.hpp"
#include "common/version.hpp"
#include "config/syntax/duration.hpp"
#include "probes/http/bounded_request.hpp"
#include "probes/http/http_failure.hpp"
#include "probes/net/name_resolver.hpp"

namespace opsagent::probes {
namespace {

using std::chrono::milliseconds;

bool is_address(const std::string& host) {
  in6_addr scratch{};
  return inet_pton(AF_INET, host.c_str(), &scratch) == 1 ||
         inet_pton(AF_INET6, host.c_str(), &scratch) == 1;
}

ErrorClass class_of(httplib::Error error) {
  using httplib::Error;
  switch (error) {
    case Error::Connection:
      return ErrorClass::refused;
    case Error::ConnectionTimeout:
      return ErrorClass::timeout;
    case Error::SSLConnection:
    case Error::SSLLoadingCerts:
    case Error::SSLServerVerification:
      return ErrorClass::tls;
    default:
      return ErrorClass::connection_lost;
  }
}

milliseconds left_until(Deadline deadline) {
  return std::max(std::chrono::ceil<milliseconds>(deadline - SteadyClock::now()), milliseconds(1));
}

}  // namespace

std::string upstream_target(const config::HttpUrl& url) {
  std::string out = url.https ? "https://" : "http://";
  const std::string host = common::log_safe(url.host);
  out += url.host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (url.port != (url.https ? 443 : 80)) out += ":" + std::to_string(url.port);
  out += common::log_safe(url.path.substr(0, url.path.find('?')));
  return out;
}

UpstreamProbe probe_upstream(const config::Upstream& upstream, Deadline deadline) {
  const auto start = SteadyClock::now();
  UpstreamProbe p;
  const auto finish = [&](ErrorClass error, std::string message) {
    p.at = WallClock::now();
    p.duration = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start);
    p.error = error;
    p.ok = error == ErrorClass::none;
    p.message = std::move(message);
    return p;
  };
  // The loader validated the URL; parsing it again gives the same host, port and path.
  const auto url = config::parse_receiver_url(upstream.url);
  if (!url) return finish(ErrorClass::config, "upstreams url: " + url.error());
  const std::string target = upstream_target(*url);

  std::string address = url->host;
  if (!is_address(url->host)) {
    auto resolved = resolve_host(url->host, deadline);
    if (!resolved) {
      return finish(
          resolved.error().error == ErrorClass::timeout ? ErrorClass::timeout : ErrorClass::dns,
          fmt::format("GET {} failed: {}", target,
                      resolved.error().error == ErrorClass::timeout
                          ? "name resolution timed out"
                          : "name resolution failed (" + resolved.error().message + ")"));
    }
    address = std::move(*resolved);
  }

  const milliseconds budget = left_until(deadline);
  const auto client = make_client(*url, budget, budget);
  // The name stays the host's (Host header, TLS SNI and certificate check); the address is the
  // one looked up under the deadline, so httplib does not look it up again without one.
  client->set_hostname_addr_map({{url->host, address}});

  httplib::Request request;
  request.method = "GET";
  request.path = url->path;
  request.headers.emplace("User-Agent", std::string("opsagent/") + kVersion);
  request.headers.emplace("Accept", "*/*");
  const auto reply = send_bounded(*client, std::move(request), deadline);
  const auto& response = reply.response;
  const auto error = reply.error;
  const auto elapsed = SteadyClock::now() - start;
  if (reply.answered) {
    p.status = response.status;
    if (response.status == upstream.expect_status) {
      return finish(
          ErrorClass::none,
          fmt::format("GET {} answered {} in {}", target, response.status,
                      config::format_duration(std::chrono::duration_cast<milliseconds>(elapsed))));
    }
    return finish(ErrorClass::http_status, fmt::format("GET {} answered {}, expected {}", target,
                                                       response.status, upstream.expect_status));
  }
  const bool read_timed_out = error == httplib::Error::Read && elapsed >= budget - milliseconds(50);
  if (reply.cut || read_timed_out || error == httplib::Error::ConnectionTimeout) {
    return finish(ErrorClass::timeout, fmt::format("GET {} failed: no answer within {}", target,
                                                   config::format_duration(upstream.timeout)));
  }
  // httplib says only "Connection" for a refused or unreachable peer: look once more, within
  // what is left of the deadline (at least long enough for a refusal to show).
  const auto until = std::max(deadline, SteadyClock::now() + milliseconds(200));
  return finish(class_of(error),
                fmt::format("GET {} failed: {}", target,
                            describe_http_error(error, address, url->port, until)));
}

}  // namespace opsagent::probes
