// How config messages show what the file holds: keys as they would be written in a dotted key,
// values in quotes with control characters escaped, so a message always stays on one line.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace opsagent::config {

// A TOML key as it would be written in a dotted key: bare when it can be, else quoted, so that a
// key like "a b" is shown as `agent."a b"` and never breaks a message across lines.
std::string display_key(std::string_view name);

// `text` in double quotes, with control characters escaped and long values shortened, so that
// messages stay on one line whatever the file contains.
std::string in_quotes(std::string_view text);

}  // namespace opsagent::config
