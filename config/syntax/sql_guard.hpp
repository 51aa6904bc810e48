// A cheap guard against the usual mistakes in a marker or custom query (empty, not a query, two
// statements), by a small lexer that skips quotes, dollar quotes and comments. It cannot prove
// the query is read-only or returns one boolean: the probe finds that out.
// Thread-safety: pure functions.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace opsagent::config {

// What a query is for, as its error messages say it.
struct QueryPurpose {
  std::string_view returns;  // "one boolean"
  std::string_view example;  // a whole query that would do
  std::string_view one_per;  // "use one marker per check"
};
inline constexpr QueryPurpose kMarkerQuery{
    "one boolean", "SELECT count(*) > 0 FROM alembic_version", "use one marker per check"};
inline constexpr QueryPurpose kCustomQuery{"one row of named numeric columns",
                                           "SELECT count(*) AS entries FROM page_cache",
                                           "use one [[queries]] block per statement"};

// The reason `sql` is not one read-only statement, not mentioning the key.
std::expected<void, std::string> check_query(std::string_view sql,
                                             const QueryPurpose& purpose = kMarkerQuery);

}  // namespace opsagent::config
