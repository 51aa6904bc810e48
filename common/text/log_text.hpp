// Text from outside (a host name from an environment variable, a command's stderr) on its way into
// a log line. Log lines may be JSON and are read on terminals, so they get printable ASCII only:
// stricter than printable() in utf8.hpp, which keeps UTF-8 for the views.
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace opsagent::common {

// Bytes 0x20..0x7E kept; LF and tab become a space, every other byte '?'; trailing spaces dropped.
std::string log_safe(std::string_view s);

}  // namespace opsagent::common
