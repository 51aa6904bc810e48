// The error sink of one load: every problem found in one config source, each with a position,
// so that the loader can report all of them at once. Internal to the config module.
// Thread-safety: one instance per load; not shared.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "config/load.hpp"

namespace opsagent::config {

// Where something was written in the file: 1-based; line 0 when unknown.
struct Position {
  int line = 0;
  int column = 0;
};

Position position_of(const toml::node& node);
Position position_of(const toml::key& key);
Position position_of(const toml::source_region& region);

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  // A problem in the file; `at.line == 0` when no single place in it is to blame.
  void error(Position at, std::string key, std::string message);
  // A problem outside the file, e.g. in an environment variable.
  void error_outside_file(std::string key, std::string message);

  // Remembers where `key` was set, so that cross-key messages can point at it.
  void mark_set(const std::string& key, Position at);
  std::optional<Position> where_set(std::string_view key) const;

  // Whether `key` itself was reported; a rule over several keys skips keys already reported,
  // since their values are still the defaults and would make a misleading second message.
  bool has_error(std::string_view key) const;
  // Whether `key` or anything inside it ("key.x", "key[2].y") was reported.
  bool has_error_under(std::string_view key) const;
  bool empty() const { return errors_.empty() && outside_.empty(); }

  // The errors in file order; those without a position last, in the order they were found. At
  // most kMaxReportedErrors of them, then one more saying how many were left out: a hostile
  // file must not print millions of lines.
  ConfigErrors take() &&;

 private:
  // Keeps errors_ to the kMaxReportedErrors earliest in the file (counting the others): a file
  // within the size limit can still hold hundreds of thousands of problems.
  void compact();

  std::string file_;
  ConfigErrors errors_;   // in the file; compacted now and then
  ConfigErrors outside_;  // outside the file (the environment): a handful, all kept
  std::size_t dropped_ = 0;
  std::set<std::string, std::less<>> error_keys_;  // every reported key, for has_error()
  std::map<std::string, Position, std::less<>> set_at_;
};

}  // namespace opsagent::config
