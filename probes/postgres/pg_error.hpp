// Mapping libpq and server failures to an ErrorClass, and keeping secrets out of the text that
// travels with it. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "probes/model/check_result.hpp"

namespace opsagent::probes {

// An expected failure of a database operation.
using PgFailure = ProbeFailure;

// Connection failures carry no SQLSTATE in libpq 15's API, only the message text.
ErrorClass classify_connect_message(std::string_view message);

// Statement failures carry a SQLSTATE.
ErrorClass classify_sqlstate(std::string_view sqlstate);

// The first line of a libpq/server message, with `secret` (the DSN password) replaced by "***".
// libpq does not echo passwords today; this keeps it true if a future message does.
std::string sanitize_message(std::string_view message, std::string_view secret);

}  // namespace opsagent::probes
