#include "probes/http_check.hpp"

#include <httplib.h>

#include <algorithm>

#include <fmt/format.h>

namespace opsagent::probes {

namespace {

// The validated url is http://host[:port][/path]: split it into what httplib::Client takes.
std::pair<std::string, std::string> split_url(const std::string& url) {
  const auto authority_start = url.find("://") + 3;
  const auto path_start = url.find('/', authority_start);
  if (path_start == std::string::npos) return {url, "/"};
  return {url.substr(0, path_start), url.substr(path_start)};
}

}  // namespace

CheckResult run_http_check(const config::HttpCheck& check, Deadline deadline) {
  CheckResult c;
  c.name = "http:" + check.name;
  c.status = CheckStatus::fail;
  const auto start = SteadyClock::now();
  const auto budget =
      std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - start),
                 std::chrono::milliseconds(1), check.timeout);
  const auto [base, path] = split_url(check.url);
  httplib::Client client(base);
  client.set_connection_timeout(budget);
  client.set_read_timeout(budget);
  client.set_write_timeout(budget);
  client.set_keep_alive(false);
  auto res = client.Get(path);
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

}  // namespace opsagent::probes
