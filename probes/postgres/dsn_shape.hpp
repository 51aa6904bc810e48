// Whether libpq would read a postgresql:// URI the way it obviously reads to a person. libpq ends
// the user name and password at the first "@" and the host part at the first "/": a password
// with an unencoded "@" ("u:Zq9@SECRET@host") makes the rest of the password part of the host,
// which then shows up in every display of the target (logs, /health, alerts). Such a URI is a
// config error that names the fix and never repeats the value. Key=value strings quote their
// values and need no check. Thread-safety: pure function.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace opsagent::probes {

// Empty when `dsn` is unambiguous; otherwise what is wrong and how to write it (percent-encode
// "@" as %40, "/" as %2F). `variable` names where the DSN came from ("DATABASE_URL").
std::expected<void, std::string> check_dsn_shape(std::string_view dsn, std::string_view variable);

}  // namespace opsagent::probes
