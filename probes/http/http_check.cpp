#include "probes/http/http_check.hpp"

#include <httplib.h>

#include <algorithm>

#include <fmt/format.h>

#include "config/syntax/http_url.hpp"

namespace opsagent::probes {

std::string http_check_name(const config::HttpCheck& check) {
  return "http:" + check.name;
}

CheckResult run_http_check(const config::HttpCheck& check, Deadline deadline) {
  CheckResult c;
  c.name = http_check_name(check);
  c.status = CheckStatus::fail;
  const auto start = SteadyClock::now();
  const auto budget =
      std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - start),
                 std::chrono::milliseconds(1), check.timeout);
  // The loader validated the url; parsing it again here gives the same host, port and path.
  const auto url = config::parse_http_url(check.url);
  if (!url) {
    c.error = ErrorClass::config;
    c.message = "readiness.http url: " + url.error();
    return c;
  }
  httplib::Client client(url->host, url->port);
  client.set_connection_timeout(budget);
  client.set_read_timeout(budget);
  client.set_write_timeout(budget);
  client.set_keep_alive(false);
  auto res = client.Get(url->path);
  c.duration = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start);
  if (!res) {
    const auto error = res.error();
    const bool slow = c.duration >= budget;
    c.error = error == httplib::Error::ConnectionTimeout || slow ? ErrorClass::timeout
              : error == httplib::Error::Connection              ? ErrorClass::refused
                                                                 : ErrorClass::connection_lost;
    c.message = fmt::format("GET {} failed: {}", check.url,
                            c.error == ErrorClass::timeout
                                ? "no answer within " + std::to_string(budget.count()) + "ms"
                            : c.error == ErrorClass::refused ? std::string("connection refused")
                                                             : httplib::to_string(error));
    return c;
  }
  if (res->status != check.expect_status) {
    c.error = ErrorClass::http_status;
    c.message =
        fmt::format("GET {} answered {}, expected {}", check.url, res->status, check.expect_status);
    return c;
  }
  c.status = CheckStatus::pass;
  c.message = fmt::format("GET {} answered {}", check.url, res->status);
  return c;
}

bool got_answer(const CheckResult& c) {
  return c.error == ErrorClass::none || c.error == ErrorClass::http_status;
}

}  // namespace opsagent::probes
