// Why an HTTP request made with cpp-httplib failed, in words an operator can act on. httplib
// 0.11 names only the stage that failed (Error::Connection covers a failed name lookup, a refused
// connection and an unreachable network alike, and "Connection" is all its to_string says) and
// drops errno; so for a connection error the agent looks at the peer itself: it resolves the
// name and makes one TCP connect, both ending by a deadline, and says which step failed and how.
// Used by alert delivery and `opsagent status`. Thread-safety: reentrant.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace httplib {
enum class Error;  // <httplib.h>; declared here so that this header does not pull it in
}

namespace opsagent::probes {

// What went wrong, without the host (the caller names it): "connection refused", "name
// resolution failed: ...", "the TLS handshake failed ...", "the connection closed before the
// answer was read". For Error::Connection, diagnoses `host`:`port` until `deadline`.
std::string describe_http_error(httplib::Error error, const std::string& host, std::uint16_t port,
                                std::chrono::steady_clock::time_point deadline);

// The errno of a failed TCP connect in words, e.g. "connection refused (nothing listens on that
// port)". Exposed for tests.
std::string describe_connect_errno(int err);

}  // namespace opsagent::probes
