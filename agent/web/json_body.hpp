// JSON as a response body or a log line. Text inside comes from outside (server messages,
// application names) and may be invalid UTF-8: serialising must never throw on it.
// Thread-safety: pure function.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace opsagent::web {

// Compact dump() with every invalid UTF-8 byte replaced by U+FFFD.
std::string to_body(const nlohmann::json& j);

}  // namespace opsagent::web
