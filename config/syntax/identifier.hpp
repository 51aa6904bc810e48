// Postgres names as the config writes them: unquoted identifiers, table names, and the
// application_name-like names of entries. Each check returns the reason a value is wrong, not
// mentioning the key: the loader adds it. Thread-safety: pure functions.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace opsagent::config {

// An unquoted Postgres identifier ([A-Za-z_][A-Za-z0-9_$]*, at most 63 bytes), folded to lower
// case the way Postgres folds it.
std::expected<std::string, std::string> parse_identifier(std::string_view text);

// "table" or "schema.table", each part an unquoted identifier.
std::expected<TableName, std::string> parse_table_name(std::string_view text);

// 1..63 printable ASCII characters: what Postgres keeps of application_name without mangling it.
std::expected<void, std::string> check_application_name(std::string_view text);

// A role name as pg_stat_activity.usename shows it, compared exactly (case-sensitive): 1..63
// characters out of letters, digits, '_', '$', '-' and '.'.
std::expected<void, std::string> check_role_name(std::string_view text);

}  // namespace opsagent::config
