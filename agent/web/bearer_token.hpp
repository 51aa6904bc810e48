// The optional bearer token that protects /health details, /status and /metrics. Its value comes
// from the environment variable named by agent.token_env, never from the config file.
// Thread-safety: a BearerToken is immutable; share it as shared_ptr<const BearerToken>.
#pragma once

#include <array>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/load.hpp"

namespace opsagent::web {

class BearerToken {
 public:
  // No token configured: everything is public.
  BearerToken() = default;

  // Resolves agent.token_env; an error (naming the variable, never a value) when it names a
  // variable that is unset or empty: failing closed beats serving details to anyone.
  static std::expected<BearerToken, std::string> from_config(const config::Config& config,
                                                             const config::Environment& env);

  bool required() const { return digest_.has_value(); }

  // True when no token is required, or `authorization` is "Bearer <the token>". Compares
  // SHA-256 digests in constant time, so neither the token nor its length leaks through timing.
  bool admits(std::string_view authorization) const;

 private:
  using Digest = std::array<unsigned char, 32>;
  static Digest digest_of(std::string_view text);
  std::optional<Digest> digest_;
};

}  // namespace opsagent::web
