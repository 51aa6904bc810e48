#include "agent/http/request_guard.hpp"

#include <gtest/gtest.h>

#include <string>

namespace opsagent::http {
namespace {

TEST(RequestGuard, RoutesEveryEndpointForGetAndHead) {
  for (const auto path : kRoutes) {
    EXPECT_FALSE(guard_request({"GET", path, "", ""})) << path;
    EXPECT_FALSE(guard_request({"HEAD", path, "0", ""})) << path;
  }
}

TEST(RequestGuard, UnknownPathIs404WithTheRoutes) {
  const auto r = guard_request({"GET", "/healthz", "", ""});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_TRUE(r->list_routes);
  // Paths are matched exactly: no prefix, trailing slash or case folding.
  EXPECT_EQ(guard_request({"GET", "/health/", "", ""})->status, 404);
  EXPECT_EQ(guard_request({"GET", "/HEALTH", "", ""})->status, 404);
  EXPECT_EQ(guard_request({"GET", "", "", ""})->status, 404);
}

TEST(RequestGuard, UpstreamPathsAreRoutedByTheirNameRule) {
  for (const auto path : {"/upstreams/soda", "/upstreams/geo.v2_x-1", "/upstreams/A"}) {
    EXPECT_FALSE(guard_request({"GET", path, "", ""})) << path;
  }
  EXPECT_FALSE(guard_request({"GET", "/upstreams/" + std::string(63, 'a'), "", ""}));
  for (const std::string& path :
       {std::string("/upstreams/"), std::string("/upstreams"), std::string("/upstreams/a/b"),
        std::string("/upstreams/a%20b"), std::string("/upstreams/" + std::string(64, 'a')),
        std::string("/Upstreams/soda")}) {
    const auto r = guard_request({"GET", path, "", ""});
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
  }
  EXPECT_EQ(guard_request({"POST", "/upstreams/soda", "", ""})->status, 405);
  EXPECT_EQ(guard_request({"GET", "/upstreams/soda", "5", ""})->status, 413);
}

TEST(RequestGuard, LongPathIs414BeforeAnythingElse) {
  const std::string longest(kMaxPathLength, 'a');
  EXPECT_EQ(guard_request({"GET", "/" + longest, "", ""})->status, 414);
  EXPECT_EQ(guard_request({"DELETE", "/" + longest, "5", ""})->status, 414);
  EXPECT_EQ(guard_request({"GET", longest, "", ""})->status, 404);  // exactly the limit
}

TEST(RequestGuard, OtherMethodsAre405WithAllow) {
  for (const auto method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "get", "TRACE"}) {
    const auto r = guard_request({method, "/health/ready", "", ""});
    ASSERT_TRUE(r) << method;
    EXPECT_EQ(r->status, 405) << method;
    EXPECT_TRUE(r->allow_header) << method;
  }
}

TEST(RequestGuard, AnnouncedBodiesAre413) {
  EXPECT_EQ(guard_request({"GET", "/health", "12", ""})->status, 413);
  EXPECT_EQ(guard_request({"GET", "/health", "", "chunked"})->status, 413);
  EXPECT_EQ(guard_request({"GET", "/health", "abc", ""})->status, 413);  // garbage: a body
  EXPECT_FALSE(guard_request({"GET", "/health", "000", ""}));
}

TEST(RequestGuard, HeadsWithRangesAre416) {
  // Issue 13: 1,500 ranges in a 7.5 KB request made cpp-httplib write a 217 KB multipart reply.
  std::string ranges = "bytes=0-29";
  for (int i = 0; i < 1500; ++i) ranges += ",0-29";
  const auto r = guard_head("GET /health/ready HTTP/1.1\r\nRange: " + ranges + "\r\n\r\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 416);
  EXPECT_EQ(guard_head("GET /status HTTP/1.1\r\nRange: bytes=0-0\r\n\r\n").error().status, 416);
}

TEST(RequestGuard, BadlyFramedHeadsAre400) {
  const auto r =
      guard_head("GET /health HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 37\r\n\r\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().message, "Content-Length repeated");
  EXPECT_EQ(guard_head("GET / HTTP/3.0\r\n\r\n").error().status, 505);
  const auto ok = guard_head("GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->target, "/health");
}

}  // namespace
}  // namespace opsagent::http
