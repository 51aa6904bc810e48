#include "agent/http/direct_route.hpp"

#include <gtest/gtest.h>

#include <string>

namespace opsagent::http {
namespace {

TEST(DirectRoute, TakesThePlainShapesHealthcheckersSend) {
  const std::string head =
      "GET /health/ready HTTP/1.1\r\nHost: healthcheck.railway.app\r\nUser-Agent: "
      "RailwayHealthCheck"
      "\r\nAccept: */*\r\nAuthorization:  Bearer s3cret \t\r\nConnection: close\r\n\r\n";
  const std::string pipelined = head + "GET /next";  // the request views these bytes
  const auto r = parse_direct_request(pipelined);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/health/ready");
  EXPECT_FALSE(r->head);
  EXPECT_TRUE(r->client_closes);
  EXPECT_EQ(r->authorization, "Bearer s3cret");  // trimmed as cpp-httplib trims it
  EXPECT_EQ(r->head_size, head.size());

  const auto bare = parse_direct_request("HEAD /health/live HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->head);
  EXPECT_FALSE(bare->client_closes);
  EXPECT_EQ(bare->authorization, "");
  // cpp-httplib compares "close" exactly: any other value keeps the connection.
  const auto capital = parse_direct_request("GET /x HTTP/1.1\r\nconnection: Close\r\n\r\n");
  ASSERT_TRUE(capital);
  EXPECT_FALSE(capital->client_closes);
}

TEST(DirectRoute, LeavesEveryOtherShapeToCppHttplib) {
  for (const char* head : {
           "POST /health/ready HTTP/1.1\r\n\r\n",
           "get /health/ready HTTP/1.1\r\n\r\n",
           "GET /health/ready HTTP/1.0\r\n\r\n",
           "GET /health/ready HTTP/2\r\n\r\n",
           "GET  /health/ready HTTP/1.1\r\n\r\n",
           "GET /health/ready?verbose=1 HTTP/1.1\r\n\r\n",
           "GET /health/%72eady HTTP/1.1\r\n\r\n",
           "GET http://x/health/ready HTTP/1.1\r\n\r\n",
           "GET /health/ready HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\n",
           "GET /health/ready HTTP/1.1\r\nRange: bytes=0-3\r\n\r\n",
           "GET /health/ready HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
           "GET /health/ready HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
           "GET /health/ready HTTP/1.1\r\nHost : a\r\n\r\n",
           "GET /health/ready HTTP/1.1\r\n folded\r\n\r\n",
           "GET /health/ready HTTP/1.1\r\nHost:\r\n\r\n",
           "GET /health/ready HTTP/1.1\r\nAuthorization: Bearer a%20b\r\n\r\n",
           "GET /health/ready HTTP/1.1\r\nUser-Agent: a\nb\r\n\r\n",
           "GET /health/ready HTTP/1.1\r\nNoColon\r\n\r\n",
           "GET /health/ready HTTP/1.1\r\nHost: a\r\n",  // no blank line: not a whole head
           "GET /health/ready HTTP/1.1",
           "",
       }) {
    EXPECT_FALSE(parse_direct_request(head)) << head;
  }
}

TEST(DirectRoute, WritesWhatCppHttplibWouldWrite) {
  const DirectAnswer answer{503, "application/json", R"({"ready":false})"};
  std::string out;
  write_direct_response(
      answer, {.head = false, .close = false, .keep_alive_timeout_sec = 2, .keep_alive_max = 1000},
      out);
  EXPECT_EQ(out,
            "HTTP/1.1 503 Service Unavailable\r\nCache-Control: no-store\r\nContent-Length: 15\r\n"
            "Content-Type: application/json\r\nKeep-Alive: timeout=2, max=1000\r\n\r\n"
            R"({"ready":false})");
  write_direct_response({200, "text/plain", "pong"}, {.head = true, .close = true}, out);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nAccept-Ranges: bytes\r\nCache-Control: no-store\r\nConnection: "
            "close\r\nContent-Length: 4\r\nContent-Type: text/plain\r\n\r\n");
}

TEST(DirectRoute, OnlyStatusesItKnowsTheReasonPhraseOf) {
  EXPECT_TRUE(direct_status_supported(200));
  EXPECT_TRUE(direct_status_supported(503));
  EXPECT_FALSE(direct_status_supported(500));
  std::string out;
  EXPECT_THROW(write_direct_response({500, "text/plain", "x"}, {}, out), std::invalid_argument);
}

}  // namespace
}  // namespace opsagent::http
