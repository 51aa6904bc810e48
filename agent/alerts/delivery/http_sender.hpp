// One HTTP POST of a notification body to a receiver URL, bounded as a whole: connects within
// min(timeout, 5s), and a watchdog shuts the socket down when `timeout` has passed since the
// attempt began, so a peer that trickles its answer is cut off too. The exception is name
// resolution and the TLS handshake, which httplib runs under its socket lock where the watchdog
// cannot interrupt them: resolution is bounded by the resolver's own timeouts (resolv.conf), the
// handshake by the connect timeout per step. No redirects are followed (a redirect must not carry
// the body, or a key, elsewhere); the answer's body is read and discarded.
// Thread-safety: reentrant; each call uses its own client and watchdog thread.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "agent/alerts/delivery/job.hpp"
#include "config/syntax/http_url.hpp"

namespace opsagent::alerts {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// POSTs `body` (application/json) with `headers` to `url`. A 2xx is delivered; another status is
// http_status (with Retry-After when sent); no answer is network or timeout. Errors name the
// host only: the path and query of receiver URLs are credentials.
AttemptResult http_post(const config::HttpUrl& url, std::string body, const HttpHeaders& headers,
                        std::chrono::milliseconds timeout);

// How log lines show a receiver's host: log-safe ASCII, IPv6 in brackets.
std::string host_for_log(const config::HttpUrl& url);

}  // namespace opsagent::alerts
