#include "config/did_you_mean.hpp"

#include <algorithm>
#include <vector>

#include "config/keys.hpp"
#include "config/syntax/ascii.hpp"

namespace opsagent::config {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates) {
  constexpr std::size_t kMaxDistance = 2;
  std::optional<std::string_view> best;
  std::size_t best_distance = kMaxDistance + 1;
  for (std::string_view candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance && d < word.size()) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::optional<std::string_view> closest_folded(std::string_view word,
                                               std::span<const std::string_view> candidates) {
  return closest(to_lower(word), candidates);
}

std::string unknown_key_message(const std::string& shown_key, const std::string& shown_prefix,
                                std::string_view section, std::string_view name,
                                std::span<const KeyName> known) {
  const std::string message = "unknown key '" + shown_key + "'";
  std::vector<std::string_view> siblings;
  for (const auto& k : known) {
    if (k.section == section) siblings.push_back(k.name);
  }
  if (auto near = closest(name, siblings)) {
    return message + "; did you mean '" + shown_prefix + "." + std::string(*near) + "'?";
  }
  // Checked before other sections: `application_name` under [pool] is a client's, not
  // database.application_name.
  if (const auto entries = entry_sections_of(section, name); !entries.empty()) {
    std::string blocks;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) blocks += (i + 1 == entries.size()) ? " or " : ", ";
      blocks += "[[" + std::string(entries[i]) + "]]";
    }
    return message + "; `" + std::string(name) + "` belongs in a " + blocks + " block";
  }
  for (const auto& k : known) {
    if (k.section != section && k.name == name) {
      return message + "; did you mean '" + std::string(k.section) + "." + std::string(k.name) +
             "'? (it belongs in [" + std::string(k.section) + "])";
    }
  }
  const bool array_entry = shown_prefix.ends_with(']');
  // Appended, not "[" + std::string(section): g++ 12 at -O3 reports a false -Wrestrict for a
  // one-character literal prepended to a temporary string.
  const std::string table =
      std::string(array_entry ? "[[" : "[").append(section).append(array_entry ? "]]" : "]");
  return message + "; remove it (see config/example.toml for the keys of " + table + ")";
}

}  // namespace opsagent::config
