#include "config/syntax/host_port.hpp"

#include <gtest/gtest.h>

#include "config/syntax/check_result.hpp"

namespace opsagent::config {
namespace {

TEST(ParseListen, AcceptsIpv4HostNameAndBracketedIpv6) {
  struct Case {
    std::string_view text, host;
    std::uint16_t port;
  };
  for (const Case& c :
       {Case{"0.0.0.0:8080", "0.0.0.0", 8080}, Case{"127.0.0.1:1", "127.0.0.1", 1},
        Case{"localhost:65535", "localhost", 65535},
        Case{"agent-1.internal:9000", "agent-1.internal", 9000}, Case{"[::]:8080", "::", 8080},
        Case{"[::1]:80", "::1", 80}, Case{"[2001:db8::7]:443", "2001:db8::7", 443}}) {
    const auto r = parse_listen(c.text);
    ASSERT_TRUE(r) << c.text << ": " << r.error();
    EXPECT_EQ(r->host, c.host);
    EXPECT_EQ(r->port, c.port);
  }
}

TEST(ParseListen, ExplainsEachMistake) {
  struct Case {
    std::string_view text, phrase;
  };
  for (const Case& c : {
           Case{"8080", "missing port"},
           Case{"localhost", "missing port"},
           Case{"localhost:", "missing port"},
           Case{":8080", "missing host"},
           Case{"::1:8080", "IPv6 address needs brackets"},
           Case{"[::1]8080", "missing port"},
           Case{"[::1:8080", "missing \"]\""},
           Case{"[zz]:80", "\"zz\" is not an IPv6 address"},
           Case{"[]:80", "missing host"},
           Case{"300.1.1.1:80", "\"300.1.1.1\" is not an IPv4 address"},
           Case{"1.2.3:80", "not an IPv4 address"},
           Case{"my_host:80", "is not a host name"},
           Case{"-bad:80", "is not a host name"},
           Case{"a..b:80", "is not a host name"},
           Case{"localhost:0", "port 0 is out of range"},
           Case{"localhost:65536", "port 65536 is out of range"},
           Case{"localhost:http", "\"http\" is not a port number"},
           Case{"localhost:+80", "not a port number"},
           Case{"localhost:999999", "not a port number"},
       }) {
    const std::string error = error_of(parse_listen(c.text));
    EXPECT_TRUE(contains(error, c.phrase)) << c.text << " -> " << error;
  }
}

TEST(ParsePort, AcceptsOnlyDecimalInRange) {
  EXPECT_EQ(parse_port("1"), 1);
  EXPECT_EQ(parse_port("65535"), 65535);
  EXPECT_EQ(parse_port("08080"), 8080);
  for (const auto* bad : {"", "0", "65536", "-1", " 80", "80 ", "0x50", "8e3"}) {
    EXPECT_FALSE(parse_port(bad)) << bad;
  }
}

TEST(HostSyntax, SharedByListenAndUrls) {
  EXPECT_TRUE(is_ipv4("127.0.0.1"));
  EXPECT_FALSE(is_ipv4("127.0.0"));
  EXPECT_TRUE(is_ipv6("::1"));
  EXPECT_FALSE(is_ipv6("[::1]"));
  EXPECT_TRUE(is_host_name("app-1.internal"));
  EXPECT_FALSE(is_host_name("app_1"));
  EXPECT_FALSE(is_host_name(std::string(64, 'a')));
}
}  // namespace
}  // namespace opsagent::config
