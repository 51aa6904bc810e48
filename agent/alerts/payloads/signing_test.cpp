// Standard Webhooks: secrets, rotation, and the test vector of the specification.
#include "agent/alerts/payloads/signing.hpp"

#include <gtest/gtest.h>

#include "agent/alerts/payloads/webhook.hpp"

#include "agent/alerts/payloads/payloads_test_helpers.hpp"

namespace opsagent::alerts::payload_testing {
namespace {

// The Standard Webhooks specification's published test vector (the reference libraries' tests):
// secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id msg_p5jXN8AQM9LWM0D4loKWxJek, timestamp
// 1614265330, body {"test": 2432232314}. Also reproduced independently with
//   printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' | openssl dgst
//     -sha256 -mac HMAC -macopt hexkey:31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0 -binary
//     | base64   (one command line; the key is the base64-decoded secret in hex)
constexpr std::string_view kVectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kVectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(WebhookSignature, StandardWebhooksTestVector) {
  const auto keys = parse_webhook_secrets(kVectorSecret);
  ASSERT_TRUE(keys.has_value()) << keys.error();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->front().size(), 24u);
  EXPECT_EQ(webhook_signature(*keys, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                              R"({"test": 2432232314})"),
            kVectorSignature);
}

TEST(WebhookSignature, TwoSecretsWhileRotating) {
  // Second key: the 32 bytes 00 01 … 1f. Expected values from
  //   printf '%s' 'msg_2.1700000000.{"a":1}' | openssl dgst -sha256 -mac HMAC
  //     -macopt hexkey:<key as hex> -binary | base64   (one command line)
  // with the vector's key (31f290f6…) and with 000102…1f.
  const auto keys = parse_webhook_secrets(
      "  "
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n\twhsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
      " ");
  ASSERT_TRUE(keys.has_value()) << keys.error();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[1].size(), 32u);
  EXPECT_EQ(webhook_signature(*keys, "msg_2", 1700000000, R"({"a":1})"),
            "v1,xequFfkwaybA/hcJsMvOWaiPZbhD9Qb1czO+eRbWnfY= "
            "v1,vKgOppvabnpwn1OKIOXqY3Wib5DBDhUuVXCJUoOmrJU=");
}

TEST(WebhookSecrets, BareKeyAndPadding) {
  const auto bare = parse_webhook_secrets("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(*bare, *parse_webhook_secrets(kVectorSecret));
  // 25 and 26 bytes of 'k': "==" and "=" padding must not count as key bytes.
  const auto two_pad = parse_webhook_secrets("whsec_a2tra2tra2tra2tra2tra2tra2tra2traw==");
  ASSERT_TRUE(two_pad.has_value()) << two_pad.error();
  EXPECT_EQ(two_pad->front(), std::string(25, 'k'));
  const auto one_pad = parse_webhook_secrets("whsec_a2tra2tra2tra2tra2tra2tra2tra2tra2s=");
  ASSERT_TRUE(one_pad.has_value()) << one_pad.error();
  EXPECT_EQ(one_pad->front(), std::string(26, 'k'));
  // Unpadded base64 is accepted as well.
  const auto unpadded = parse_webhook_secrets("whsec_a2tra2tra2tra2tra2tra2tra2tra2tra2s");
  ASSERT_TRUE(unpadded.has_value()) << unpadded.error();
  EXPECT_EQ(unpadded->front(), std::string(26, 'k'));
}

TEST(WebhookSecrets, Rejections) {
  const std::string key24 = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::vector<std::string> bad = {
      "",
      " \n\t ",
      key24 + " " + key24 + " " + key24,            // three
      "whsec_",                                     // empty key
      "whsec_SuperSecretValue!!!!!!!!!!!!!!!!",     // not base64
      "whsec_c2VjcmV0LWhlbGxv",                     // 12 bytes: too short
      "whsec_" + std::string(88, 'A'),              // 66 bytes: too long
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS=w",    // '=' inside
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw===",  // too much padding
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwQ",    // length 4n+1
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw=",    // padding where none belongs
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw-_",   // URL-safe alphabet
      key24 + " whsec_c2VjcmV0LWhlbGxv",            // the second one is bad
  };
  for (const auto& text : bad) {
    const auto result = parse_webhook_secrets(text);
    ASSERT_FALSE(result.has_value()) << "accepted: " << text;
    const std::string& error = result.error();
    EXPECT_FALSE(error.empty());
    // The error never carries the secret, nor a piece of it.
    for (std::string_view part : {"SuperSecret", "MfKQ9r8G", "c2VjcmV0", "AAAAAAAA", "LaLaS"}) {
      EXPECT_EQ(error.find(part), std::string::npos) << error;
    }
  }
  EXPECT_NE(parse_webhook_secrets("whsec_c2VjcmV0LWhlbGxv").error().find("shorter"),
            std::string::npos);
  EXPECT_NE(parse_webhook_secrets("whsec_" + std::string(88, 'A')).error().find("longer"),
            std::string::npos);
  EXPECT_NE(parse_webhook_secrets(key24 + " whsec_c2VjcmV0LWhlbGxv").error().find("2 of 2"),
            std::string::npos);
  // 64 bytes is still allowed.
  EXPECT_TRUE(parse_webhook_secrets("whsec_" + std::string(84, 'A') + "AA==").has_value());
}

TEST(WebhookSignature, SignsTheWebhookBody) {
  const auto keys = parse_webhook_secrets(kVectorSecret);
  ASSERT_TRUE(keys.has_value());
  const std::string body = webhook_body(notification(), "r", who());
  const std::string sig = webhook_signature(*keys, "msg_x", 1, body);
  EXPECT_TRUE(sig.starts_with("v1,"));
  EXPECT_EQ(sig.size(), 3u + 44u);
  EXPECT_NE(sig, webhook_signature(*keys, "msg_x", 1, body + " "));
  EXPECT_NE(sig, webhook_signature(*keys, "msg_x", 2, body));
}

}  // namespace
}  // namespace opsagent::alerts::payload_testing
