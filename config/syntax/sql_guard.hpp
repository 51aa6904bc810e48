// A cheap guard against the usual mistakes in a marker query (empty, not a query, two
// statements), by a small lexer that skips quotes, dollar quotes and comments. It cannot prove
// the query is read-only or returns one boolean: the probe finds that out.
// Thread-safety: pure functions.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace opsagent::config {

// The reason `sql` is not one read-only statement, not mentioning the key.
std::expected<void, std::string> check_query(std::string_view sql);

}  // namespace opsagent::config
