#include "agent/alerts/alert.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include <fmt/format.h>

namespace opsagent::alerts {

std::string_view to_string(Severity s) {
  return s == Severity::critical ? "critical" : "warning";
}

std::string_view to_string(NotificationKind k) {
  switch (k) {
    case NotificationKind::firing:
      return "firing";
    case NotificationKind::escalated:
      return "escalated";
    case NotificationKind::deescalated:
      return "deescalated";
    case NotificationKind::reminder:
      return "reminder";
    case NotificationKind::refresh:
      return "refresh";
    case NotificationKind::resolved:
      return "resolved";
    case NotificationKind::test:
      return "test";
    case NotificationKind::suppressed:
      return "suppressed";
  }
  return "firing";
}

std::string fingerprint_of(const std::map<std::string, std::string>& labels) {
  // Length-prefixed so that {"a": "b=c"} and {"a=b": "c"} cannot collide.
  std::string text;
  for (const auto& [k, v] : labels) text += fmt::format("{}:{}={}:{};", k.size(), k, v.size(), v);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest(SHA-256) failed");
  }
  std::string out;
  for (unsigned int i = 0; i < 8; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string new_notification_id() {
  std::array<unsigned char, 12> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  std::string out = "msg_";
  for (auto b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

}  // namespace opsagent::alerts
