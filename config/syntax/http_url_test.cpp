#include "config/syntax/http_url.hpp"

#include <gtest/gtest.h>

namespace opsagent::config {
namespace {

std::string error_of(const std::expected<HttpUrl, std::string>& r) {
  return r ? std::string("<accepted>") : r.error();
}

TEST(ParseHttpUrl, SplitsHostPortAndPath) {
  struct Case {
    std::string_view text;
    HttpUrl want;
  };
  for (const Case& c : {
           Case{"http://localhost:8000/healthz",
                {"localhost", 8000, "/healthz", "http://localhost:8000/healthz"}},
           Case{"http://127.0.0.1", {"127.0.0.1", 80, "/", "http://127.0.0.1/"}},
           Case{"http://[::1]:9/x", {"::1", 9, "/x", "http://[::1]:9/x"}},
           Case{"http://[2001:db8::7]/", {"2001:db8::7", 80, "/", "http://[2001:db8::7]/"}},
           Case{"http://app-1.internal:65535/a/b?full=1&x=%20",
                {"app-1.internal", 65535, "/a/b?full=1&x=%20",
                 "http://app-1.internal:65535/a/b?full=1&x=%20"}},
           Case{"http://h?x=1", {"h", 80, "/?x=1", "http://h/?x=1"}},
           Case{"HTTP://Localhost:1/", {"Localhost", 1, "/", "http://Localhost:1/"}},
           Case{"http://h/users/@me", {"h", 80, "/users/@me", "http://h/users/@me"}},
       }) {
    const auto r = parse_http_url(c.text);
    ASSERT_TRUE(r) << c.text << ": " << r.error();
    EXPECT_EQ(*r, c.want) << c.text;
  }
}

TEST(ParseHttpUrl, ExplainsEachMistake) {
  struct Case {
    std::string_view text, phrase;
  };
  for (const Case& c : {
           Case{"https://localhost/", "https is not supported for these local checks"},
           Case{"HTTPS://localhost/", "https is not supported"},
           Case{"ftp://localhost/", "the scheme \"ftp\" is not supported, only http"},
           Case{"localhost:8000", "missing \"http://\""},
           Case{"/healthz", "missing \"http://\""},
           Case{"x/y?u=http://h/", "missing \"http://\""},
           Case{"", "the URL is empty"},
           Case{"http://", "missing host"},
           Case{"http://:80/", "missing host"},
           Case{"http://[]:80/", "missing host"},
           Case{"http://h:0/", "port 0 is out of range"},
           Case{"http://h:65536/", "port 65536 is out of range"},
           Case{"http://h:8o/", "\"8o\" is not a port number"},
           Case{"http://h:/", "missing port after \":\""},
           Case{"http://[::1]8000/", "expected \":port\" or the path after \"]\""},
           Case{"http://::1/", "an IPv6 address needs brackets"},
           Case{"http://1.2.3/", "\"1.2.3\" is not an IPv4 address"},
           Case{"http://-h/", "\"-h\" is not a host name"},
           Case{"http://h/a b", "at position 3; percent-encode it"},
           Case{"http://h/caf\xc3\xa9", "non-ASCII character at position 5"},
           Case{"http://h/#x", "a fragment"},
           Case{"http://h/%zz", "two hex digits"},
           Case{"http://h/%2", "two hex digits"},
       }) {
    const std::string error = error_of(parse_http_url(c.text));
    EXPECT_NE(error.find(c.phrase), std::string::npos) << c.text << " -> " << error;
    // Every message ends with the form to use (https has its own complete advice).
    EXPECT_NE(error.find("\"http://127.0.0.1:8000/healthz\""), std::string::npos) << error;
  }
}

TEST(ParseHttpUrl, NeverRepeatsAPassword) {
  for (const auto* text :
       {"http://bob:s3cret@localhost/", "https://bob:s3cret@localhost/",
        "ftp://bob:s3cret@localhost/", "http://bob:s3/cret@localhost/", "http://bob:s3cret@[::1/",
        "http://bob@localhost:s3cret/", "http://s3cret:@localhost/", "http://s3cret/x@y/"}) {
    const std::string error = error_of(parse_http_url(text));
    if (std::string_view(text) == "http://s3cret/x@y/") {
      EXPECT_EQ(error, "<accepted>");  // an "@" in the path is not user info
      continue;
    }
    EXPECT_EQ(error.find("s3"), std::string::npos) << text << " -> " << error;
    EXPECT_EQ(error.find("bob"), std::string::npos) << text << " -> " << error;
  }
  EXPECT_NE(error_of(parse_http_url("http://bob:s3/cret@localhost/"))
                .find("if the \"@\" in the URL ends a user name or password, remove them"),
            std::string::npos);
}

// `opsagent status --url` (issue 13, finding 6): a base URL only, every mistake explained.
TEST(ParseAgentUrl, TakesABaseUrlOnly) {
  const auto plain = parse_agent_url("http://127.0.0.1:8080/");
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, 8080);
  EXPECT_FALSE(plain->https);
  const auto v6 = parse_agent_url("HTTPS://[::1]");
  ASSERT_TRUE(v6) << v6.error();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 443);
  EXPECT_TRUE(v6->https);
  for (const auto& [text, says] : std::initializer_list<std::pair<const char*, const char*>>{
           {"ftp://x", "the scheme \"ftp\" is not supported, only http and https"},
           {"file:///etc/passwd", "the scheme \"file\" is not supported"},
           {"http://[::1", "missing \"]\" after the IPv6 address"},
           {"http://h:8080/status", "a path, query or fragment is not allowed"},
           {"http://h:8080#x", "a path, query or fragment is not allowed"},
           {"http://a:pw123@h:8080", "user name or password"},
           {"", "the URL is empty"}}) {
    const auto r = parse_agent_url(text);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().find(says), std::string::npos) << text << ": " << r.error();
    EXPECT_EQ(r.error().find("pw123"), std::string::npos) << r.error();
  }
}

}  // namespace
}  // namespace opsagent::config
