#include "config/key_types.hpp"

#include <expected>

#include "config/syntax/duration.hpp"
#include "config/syntax/env_name.hpp"
#include "config/syntax/identifier.hpp"
#include "config/syntax/quoting.hpp"
#include "config/syntax/threshold.hpp"

namespace opsagent::config {
namespace {

std::string describe_duration_range(const KeyBounds& b) {
  const std::string span = "a duration from " + format_duration(Duration{b.min}) + " to " +
                           format_duration(Duration{b.max});
  return b.off_allowed ? "use 0s (off) or " + span : "use " + span;
}

bool in_duration_range(Duration d, const KeyBounds& b) {
  return (b.off_allowed && d == Duration::zero()) || (d.count() >= b.min && d.count() <= b.max);
}

}  // namespace

void report(Diagnostics& diag, const toml::node& value, const std::string& key, std::string msg) {
  diag.error(position_of(value), key, std::move(msg));
}

std::string_view type_name(const toml::node& value) {
  switch (value.type()) {
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::array:
      return "array";
    case toml::node_type::table:
      return "table";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

const std::string* string_value(const toml::node& value, const std::string& key,
                                std::string_view expected, Diagnostics& diag) {
  if (const auto* s = value.as_string()) return &s->get();
  report(diag, value, key,
         "expected " + std::string(expected) + ", got " + std::string(type_name(value)));
  return nullptr;
}

std::optional<TableName> table_name_value(const toml::node& value, const std::string& key,
                                          Diagnostics& diag) {
  const std::string* text = string_value(value, key, "a string like \"public.permits\"", diag);
  if (!text) return std::nullopt;
  auto table = parse_table_name(*text);
  if (!table) {
    report(diag, value, key, in_quotes(*text) + " is not a table name: " + table.error());
    return std::nullopt;
  }
  return std::move(*table);
}

void read_duration(const toml::node& value, const std::string& key, const KeyBounds& bounds,
                   Duration& out, Diagnostics& diag) {
  if (value.is_integer() || value.is_floating_point()) {
    report(diag, value, key,
           "expected a string like \"5s\", got " + std::string(type_name(value)) +
               " (a duration needs a unit: ms, s, m or h)");
    return;
  }
  const std::string* text = string_value(value, key, "a string like \"5s\"", diag);
  if (!text) return;
  const auto parsed = parse_duration(*text);
  if (!parsed) {
    report(diag, value, key, in_quotes(*text) + " is not a duration: " + parsed.error());
  } else if (!in_duration_range(*parsed, bounds)) {
    report(diag, value, key,
           in_quotes(*text) + " is out of range; " + describe_duration_range(bounds));
  } else {
    out = *parsed;
  }
}

void read_int(const toml::node& value, const std::string& key, const KeyBounds& bounds, int& out,
              Diagnostics& diag) {
  const auto* integer = value.as_integer();
  if (!integer) {
    report(diag, value, key,
           "expected an integer like " + std::to_string(bounds.example) + ", got " +
               std::string(type_name(value)));
    return;
  }
  const std::int64_t n = integer->get();
  if (n < bounds.min || n > bounds.max) {
    report(diag, value, key,
           std::to_string(n) + " is out of range; use an integer from " +
               std::to_string(bounds.min) + " to " + std::to_string(bounds.max));
    return;
  }
  out = static_cast<int>(n);
}

void read_bool(const toml::node& value, const std::string& key, const KeyBounds& /*bounds*/,
               bool& out, Diagnostics& diag) {
  if (const auto* flag = value.as_boolean()) {
    out = flag->get();
    return;
  }
  const std::string hint = value.is_string() ? " (write true or false without quotes)" : "";
  report(diag, value, key, "expected true or false, got " + std::string(type_name(value)) + hint);
}

// A TOML integer is the count form; a string is one of the other two. Anything else (0.8, true)
// gets all three forms spelt out, since the type alone shows the user did not know them.
void read_threshold(const toml::node& value, const std::string& key, const KeyBounds& /*bounds*/,
                    Threshold& out, Diagnostics& diag) {
  std::expected<Threshold, std::string> parsed;
  if (const auto* integer = value.as_integer()) {
    parsed = threshold_from_count(integer->get());
  } else if (const auto* text = value.as_string()) {
    parsed = parse_threshold_text(text->get());
  } else {
    const std::string hint = value.is_floating_point()
                                 ? "; a fraction like 0.8 is written as a percentage: \"80%\""
                                 : "";
    return report(diag, value, key,
                  "expected " + std::string(threshold_forms()) + ", got " +
                      std::string(type_name(value)) + hint);
  }
  if (!parsed) return report(diag, value, key, parsed.error());
  out = *parsed;
}

void read_dsn_env(const toml::node& value, const std::string& key, const KeyBounds& bounds,
                  std::string& out, Diagnostics& diag) {
  const std::string example(bounds.like);
  const std::string* text = string_value(value, key, "a string like \"" + example + "\"", diag);
  if (!text) return;
  if (!(bounds.off_allowed && text->empty()) && !is_env_name(*text)) {
    // The value is not echoed: a DSN pasted here by mistake may carry a password.
    return report(diag, value, key,
                  "not an environment variable name (letters, digits and _, not starting with a "
                  "digit); write the name of the variable that holds the DSN, e.g. \"" +
                      example + "\" (the DSN itself never goes in the file)" +
                      (bounds.off_allowed ? ", or \"\" for off" : ""));
  }
  out = *text;
}

void read_entry_name(const toml::node& value, const std::string& key, const KeyBounds& bounds,
                     std::string& out, Diagnostics& diag) {
  const std::string* text =
      string_value(value, key, "a string like \"" + std::string(bounds.like) + "\"", diag);
  if (!text) return;
  if (auto ok = check_application_name(*text); !ok) {
    return report(diag, value, key,
                  std::string(bounds.noun) + " " + in_quotes(*text) + " " + ok.error());
  }
  out = *text;
}

// The value is never echoed: a URL, key or secret pasted here instead of a name must not reach
// the logs.
void read_secret_env(const toml::node& value, const std::string& key, const KeyBounds& bounds,
                     std::string& out, Diagnostics& diag) {
  const std::string holds(bounds.noun);
  const std::string example(bounds.like);
  const std::string* text = string_value(value, key, "a string like \"" + example + "\"", diag);
  if (!text) return;
  if (is_env_name(*text)) {
    out = *text;
    return;
  }
  const std::string what =
      text->empty() ? "is empty"
      : text->find("://") != std::string::npos
          ? "looks like a URL, not the name of an environment variable"
          : "is not an environment variable name (letters, digits and _, not starting with a "
            "digit)";
  report(diag, value, key,
         "the value " + what + "; write the name of the variable that holds " + holds +
             ", e.g. \"" + example + "\" (" + holds +
             " itself never goes in the file; the variable is read when a notification is sent)");
}

std::string threshold_as_written(const Threshold& t) {
  const std::string text = format_threshold(t);
  return t.kind == Threshold::Kind::count ? text : "\"" + text + "\"";
}

}  // namespace opsagent::config
