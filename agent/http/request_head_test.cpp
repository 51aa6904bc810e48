#include "agent/http/request_head.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/support/framing_oracle.hpp"

namespace opsagent::http {
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

constexpr std::string_view kLine = "GET /health/ready HTTP/1.1\r\n";

// The status a head made of the request line, `fields` and the blank line is refused with;
// 0 when accepted.
int refusal(std::string_view fields, std::string_view line = kLine) {
  const std::string head = std::string(line) + std::string(fields) + "\r\n";
  const auto parsed = parse_request_head(head);
  return parsed ? 0 : parsed.error().status;
}

TEST(RequestHead, ParsesAPlainHead) {
  const std::string head =
      "GET /health/ready?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\nGET";
  const auto r = parse_request_head(head);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->target, "/health/ready?x=1");
  EXPECT_EQ(r->version, "HTTP/1.1");
  EXPECT_EQ(r->content_length, 0u);
  EXPECT_FALSE(r->announces_body());
  EXPECT_FALSE(r->range);
  EXPECT_EQ(r->size, head.size() - 3);
  EXPECT_EQ(refusal("X-Empty:\r\nX-Obs-Text: caf\xc3\xa9\t\r\n"), 0);
  EXPECT_EQ(refusal("", "GET / HTTP/1.0\r\n"), 0);
}

TEST(RequestHead, BodiesAndRangesAreReported) {
  EXPECT_TRUE(parse_request_head("GET / HTTP/1.1\r\nContent-Length: 37\r\n\r\n")->announces_body());
  EXPECT_TRUE(
      parse_request_head("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")->announces_body());
  EXPECT_TRUE(parse_request_head("GET / HTTP/1.1\r\nrange: bytes=0-1\r\n\r\n")->range);
}

TEST(RequestHead, RepeatedOrConflictingLengthsAreRefused) {
  // The smuggling shape of issue 13: the first value would win, the body be the next request.
  EXPECT_EQ(refusal("Content-Length: 0\r\nContent-Length: 37\r\n"), 400);
  EXPECT_EQ(refusal("Content-Length: 5\r\ncontent-length: 5\r\n"), 400);  // even when equal
  EXPECT_EQ(refusal("Content-Length: 5, 5\r\n"), 400);
  EXPECT_EQ(refusal("Content-Length: +5\r\n"), 400);
  EXPECT_EQ(refusal("Content-Length: \r\n"), 400);
  EXPECT_EQ(refusal("Content-Length: 1234567890123456789\r\n"), 400);
  EXPECT_EQ(refusal("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n"), 400);
  EXPECT_EQ(refusal("Transfer-Encoding: chunked\r\n", "GET / HTTP/1.0\r\n"), 400);
  EXPECT_EQ(refusal("Host: a\r\nHost: b\r\n"), 400);
}

TEST(RequestHead, MalformedFieldLinesAreRefused) {
  EXPECT_EQ(refusal("X-A: 1\r\n folded\r\n"), 400);  // obsolete line folding
  EXPECT_EQ(refusal("X-A: 1\r\n\tfolded\r\n"), 400);
  EXPECT_EQ(refusal("Content-Length : 5\r\n"), 400);  // whitespace before the colon
  EXPECT_EQ(refusal("X-A\t: 1\r\n"), 400);
  EXPECT_EQ(refusal("no colon here\r\n"), 400);
  EXPECT_EQ(refusal(": empty name\r\n"), 400);
  EXPECT_EQ(refusal("X(A): 1\r\n"), 400);                           // not a token
  EXPECT_EQ(refusal(std::string("X-A: a") + '\0' + "b\r\n"), 400);  // NUL
  EXPECT_EQ(refusal("X-A: a\x01b\r\n"), 400);
  EXPECT_EQ(refusal("X-A: a\x7f\r\n"), 400);
  EXPECT_EQ(refusal("X-A: a\nb\r\n"), 400);  // a bare LF
  EXPECT_EQ(refusal("X-A: a\rb\r\n"), 400);  // a bare CR
}

TEST(RequestHead, MalformedRequestLinesAreRefused) {
  EXPECT_EQ(refusal("", "GET  / HTTP/1.1\r\n"), 400);
  EXPECT_EQ(refusal("", "GET / HTTP/1.1 \r\n"), 400);
  EXPECT_EQ(refusal("", "GET /\x01 HTTP/1.1\r\n"), 400);
  EXPECT_EQ(refusal("", "G(T / HTTP/1.1\r\n"), 400);
  EXPECT_EQ(refusal("", "GET / http/1.1\r\n"), 400);
  EXPECT_EQ(refusal("", "GET /\r\n"), 400);
  EXPECT_EQ(refusal("", "\r\n"), 400);
  EXPECT_EQ(refusal("", "GET / HTTP/2.0\r\n"), 505);
  EXPECT_EQ(refusal("", "GET / HTTP/1.2\r\n"), 505);
}

// Property test of the framing rules: heads built from well-formed and hostile pieces, in random
// orders, are accepted exactly when the independent oracle says they are well framed.
TEST(RequestHead, AcceptsExactlyTheWellFramedHeads) {
  const std::vector<std::string> lines{
      "GET /health/ready HTTP/1.1",
      "HEAD / HTTP/1.0",
      "GET / HTTP/1.2",
      "GET  / HTTP/1.1",
      "G@T / HTTP/1.1",
      "GET /\x7f HTTP/1.1",
      "GET / HTTP/1.1 ",
      "",
  };
  const std::vector<std::string> fields{
      "Host: t",
      "Host: u",
      "Content-Length: 0",
      "Content-Length: 37",
      "content-length:37",
      "Content-Length : 0",
      "Content-Length: 0, 0",
      "Content-Length: 99999999999999999999",
      "Transfer-Encoding: chunked",
      "Range: bytes=0-29,0-29",
      "Expect: 100-continue",
      " folded",
      "\tfolded",
      "no colon",
      ":",
      "X-Nul: a" + std::string(1, '\0') + "b",
      "X-Ctl: \x1b[31m",
      "X-Tab:\tv\t",
      "X-Obs: \xff\xfe",
      "X-Del: \x7f",
      "X-Lf: a\nb",
      "X-Empty:",
      "Accept: */*",
      "bad name: v",
  };
  std::mt19937 rng(13);  // fixed seed: the same heads every run
  int accepted = 0;
  int refused = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string head = lines[rng() % lines.size()] + "\r\n";
    const auto n = rng() % 5;
    for (std::size_t f = 0; f < n; ++f) head += fields[rng() % fields.size()] + "\r\n";
    head += "\r\n";
    // The head handed over ends at its first blank line, as scan_request_head finds it.
    head.resize(head.find("\r\n\r\n") + 4);
    const int expected = testing::oracle_framing_status(head);
    const auto parsed = parse_request_head(head);
    ASSERT_EQ(parsed ? 0 : parsed.error().status, expected) << ::testing::PrintToString(head);
    if (parsed) {
      ASSERT_EQ(parsed->size, head.size());
      ++accepted;
    } else {
      ++refused;
    }
  }
  EXPECT_GT(accepted, 1000);  // both sides of the property were exercised
  EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace opsagent::http
