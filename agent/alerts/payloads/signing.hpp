// Standard Webhooks signing of webhook bodies: the secrets from secret_env (whsec_ base64 keys)
// and the webhook-signature header (HMAC-SHA256). Keys are wiped (OPENSSL_cleanse) once used.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace opsagent::alerts {

// Standard Webhooks (https://www.standardwebhooks.com): the variable named by secret_env holds
// one secret, or two separated by whitespace while rotating; each "whsec_<base64 key>" (a bare
// base64 key is accepted too). The error names what is wrong, never the secret itself.
std::expected<std::vector<std::string>, std::string> parse_webhook_secrets(std::string_view text);

// The webhook-signature header: "v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>"
// per key, separated by a space.
std::string webhook_signature(const std::vector<std::string>& keys, std::string_view id,
                              std::int64_t timestamp_s, std::string_view body);

}  // namespace opsagent::alerts
