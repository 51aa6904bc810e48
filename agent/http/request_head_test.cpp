#include "agent/http/request_head.hpp"

#include <gtest/gtest.h>

#include <string>

namespace opsagent::agent::http {
namespace {

TEST(RequestHead, CompleteOnlyAtTheEmptyLine) {
  EXPECT_EQ(scan_request_head(""), HeadState::kIncomplete);
  EXPECT_EQ(scan_request_head("GET /health HTTP/1.1\r\nHost: x\r\n"), HeadState::kIncomplete);
  EXPECT_EQ(scan_request_head("GET /health HTTP/1.1\r\nHost: x\r\n\r"), HeadState::kIncomplete);
  EXPECT_EQ(scan_request_head("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"), HeadState::kComplete);
  // Pipelined requests and a body after the head do not matter.
  EXPECT_EQ(scan_request_head("GET / HTTP/1.1\r\n\r\nGET / HT"), HeadState::kComplete);
}

TEST(RequestHead, BareLineFeedsNeverComplete) {
  // cpp-httplib only ends a head at CRLF CRLF; waiting for it (then 408) is the honest answer.
  EXPECT_EQ(scan_request_head("GET / HTTP/1.1\n\n"), HeadState::kIncomplete);
}

TEST(RequestHead, TooLargeAtTheLimitWithoutAnEnd) {
  const std::string big(100, 'a');
  EXPECT_EQ(scan_request_head(big, 100), HeadState::kTooLarge);
  EXPECT_EQ(scan_request_head(big.substr(0, 99), 100), HeadState::kIncomplete);
  // A head that ends exactly at the limit is complete; one byte more is too large.
  const std::string exact = std::string(96, 'a') + "\r\n\r\n";
  EXPECT_EQ(scan_request_head(exact, 100), HeadState::kComplete);
  EXPECT_EQ(scan_request_head("a" + exact, 100), HeadState::kTooLarge);
}

}  // namespace
}  // namespace opsagent::agent::http
