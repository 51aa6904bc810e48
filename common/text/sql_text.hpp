// Statement text from pg_stat_activity on its way into a view, a check message or an alert. The
// text is the app's: its string literals can hold passwords (ALTER ROLE ... PASSWORD '...'),
// tokens or personal data, so they never leave the agent; the statement's shape (keywords,
// identifiers, numbers) is what the on-call needs. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace opsagent::common {

// `sql` with the contents of every string literal ('...', E'...' with backslash escapes, and
// $tag$...$tag$) replaced by "?", so 'secret' reads '?'. A literal cut off by the end of the
// text is masked to the end. Identifiers in double quotes and comments are kept.
std::string mask_sql_literals(std::string_view sql);

// A statement for people: literals masked, printable (printable() in utf8.hpp), runs of white
// space folded to one space, at most `max_chars` characters ("…" marks a cut).
std::string statement_for_display(std::string_view sql, std::size_t max_chars);

}  // namespace opsagent::common
