#include "agent/alerts/payloads/signing.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "agent/alerts/payloads/body_parts.hpp"

namespace opsagent::alerts {

using namespace payload_parts;

namespace {

constexpr std::size_t kMinKeyBytes = 24;  // Standard Webhooks: keys of 24 to 64 bytes
constexpr std::size_t kMaxKeyBytes = 64;

std::string base64_encode(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Strict standard base64 (padded, or unpadded); nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text) {
  std::size_t pad = 0;
  while (pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  const std::size_t data = text.size() - pad;
  if (data == 0 || pad > 2 || data % 4 == 1) return std::nullopt;
  if (!std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(data),
                   is_base64_char)) {
    return std::nullopt;
  }
  const std::size_t needed = (4 - data % 4) % 4;
  if (pad != 0 && pad != needed) return std::nullopt;
  std::string in(text.substr(0, data));
  in.append(needed, '=');
  std::string out(in.size() / 4 * 3, '\0');
  // EVP_DecodeBlock decodes '=' as zero bits and counts them in its result: drop them after.
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  OPENSSL_cleanse(in.data(), in.size());
  if (n < 0 || static_cast<std::size_t>(n) != out.size()) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  out.resize(out.size() - needed);
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
}  // namespace

std::expected<std::vector<std::string>, std::string> parse_webhook_secrets(std::string_view text) {
  std::vector<std::string_view> tokens;
  for (std::size_t i = 0; i < text.size();) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) tokens.push_back(text.substr(start, i - start));
  }
  if (tokens.empty()) return std::unexpected("webhook secret is empty");
  if (tokens.size() > 2) {
    return std::unexpected(fmt::format(
        "webhook secret holds {} values; at most two (the new and the old while rotating)",
        tokens.size()));
  }
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string which =
        tokens.size() == 1 ? "webhook secret" : fmt::format("webhook secret {} of 2", i + 1);
    std::string_view token = tokens[i];
    if (token.starts_with("whsec_")) token.remove_prefix(6);
    std::optional<std::string> key = base64_decode(token);
    if (!key) {
      for (auto& k : keys) OPENSSL_cleanse(k.data(), k.size());
      return std::unexpected(which + ": not \"whsec_\" followed by a valid base64 key");
    }
    const bool bad_size = key->size() < kMinKeyBytes || key->size() > kMaxKeyBytes;
    const bool too_short = key->size() < kMinKeyBytes;
    if (bad_size) {
      OPENSSL_cleanse(key->data(), key->size());
      for (auto& k : keys) OPENSSL_cleanse(k.data(), k.size());
      return std::unexpected(fmt::format(
          "{}: the key is {} than Standard Webhooks allows ({} to {} bytes once base64-decoded)",
          which, too_short ? "shorter" : "longer", kMinKeyBytes, kMaxKeyBytes));
    }
    keys.push_back(std::move(*key));
  }
  return keys;
}

std::string webhook_signature(const std::vector<std::string>& keys, std::string_view id,
                              std::int64_t timestamp_s, std::string_view body) {
  std::string message;
  message.reserve(id.size() + body.size() + 24);
  message.append(id);
  message += '.';
  message += std::to_string(timestamp_s);
  message += '.';
  message.append(body);

  std::string header;
  for (const auto& key : keys) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int size = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(),
             &size) == nullptr) {
      throw std::runtime_error("HMAC-SHA256 failed");
    }
    if (!header.empty()) header += ' ';
    header += "v1,";
    header += base64_encode(mac.data(), size);
  }
  return header;
}

}  // namespace opsagent::alerts
