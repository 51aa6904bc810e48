// Character references for the three characters markup reads as syntax (& < >), and for quotes
// where a value may sit in a quoted attribute. One table for the status page's HTML and Slack's
// mrkdwn, which documents exactly these three. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace opsagent::common {

enum class Quotes { kKeep, kEscape };

// Appends `text` to `out` with & < > as &amp; &lt; &gt; and, with Quotes::kEscape, " ' as &quot;
// &#39;. Everything else, control characters included, is copied as it is: callers that show
// untrusted text make it printable first.
void append_markup_escaped(std::string& out, std::string_view text, Quotes quotes);

}  // namespace opsagent::common
