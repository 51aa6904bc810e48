#include "probes/postgres/dsn_shape.hpp"

#include <algorithm>
#include <array>

namespace opsagent::probes {

std::expected<void, std::string> check_dsn_shape(std::string_view dsn, std::string_view variable) {
  // The prefixes libpq recognises, as it compares them: case-sensitively.
  constexpr std::array<std::string_view, 2> kSchemes{"postgresql://", "postgres://"};
  const auto scheme = std::ranges::find_if(kSchemes, [&](auto s) { return dsn.starts_with(s); });
  if (scheme == kSchemes.end()) return {};
  // The parameters ("?a=b") after the path are values libpq takes as written; an "@" there
  // ("?user=me@corp") is not the end of a password.
  std::string_view rest = dsn.substr(scheme->size());
  if (const std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
    rest = rest.substr(0, std::min(rest.size(), rest.find('?', slash)));
  }
  const std::string where = "the database URL in $" + std::string(variable);
  constexpr std::string_view kNotShown = " (the URL is not repeated here: it holds the password)";
  const auto ats = std::ranges::count(rest, '@');
  if (ats == 0) return {};
  if (ats > 1) {
    return std::unexpected(
        where +
        " has more than one \"@\": libpq ends the user name and password at the first "
        "one and would take the rest of the password for the host; percent-encode every "
        "\"@\" in the user name, password and parameters as %40, keeping only the one "
        "before the host" +
        std::string(kNotShown));
  }
  const std::size_t at = rest.find('@');
  if (rest.substr(0, at).find('/') != std::string_view::npos) {
    return std::unexpected(
        where +
        " has a \"/\" before its \"@\": libpq ends the host part at the first \"/\", so "
        "it would read the user name and password as the host and port; percent-encode "
        "\"/\" in the user name or password as %2F (and an \"@\" in the database name or "
        "a parameter as %40)" +
        std::string(kNotShown));
  }
  return {};
}

}  // namespace opsagent::probes
