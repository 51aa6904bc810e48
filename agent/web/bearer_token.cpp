#include "agent/web/bearer_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>

namespace opsagent::web {

std::expected<BearerToken, std::string> BearerToken::from_config(const config::Config& config,
                                                                 const config::Environment& env) {
  BearerToken token;
  const auto& name = config.agent.token_env;
  if (name.empty()) return token;
  auto value = env(name);
  if (!value || value->empty()) {
    return std::unexpected("agent.token_env names the environment variable " + name +
                           ", which is not set; set it to the token, or remove agent.token_env");
  }
  token.digest_ = digest_of(*value);
  return token;
}

BearerToken::Digest BearerToken::digest_of(std::string_view text) {
  Digest d{};
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), d.data(), &size, EVP_sha256(), nullptr);
  return d;
}

bool BearerToken::admits(std::string_view authorization) const {
  if (!digest_) return true;
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return false;
  }
  auto presented = authorization.substr(kScheme.size());
  while (!presented.empty() && presented.front() == ' ') presented.remove_prefix(1);
  const Digest d = digest_of(presented);
  return CRYPTO_memcmp(d.data(), digest_->data(), d.size()) == 0;
}

}  // namespace opsagent::web
