#include "probes/http/http_failure.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace opsagent::probes {
namespace {

using namespace std::chrono_literals;

// A loopback port nothing listens on: bound, then closed.
std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  EXPECT_TRUE(bound);
  return ntohs(a.sin_port);
}

TEST(DescribeHttpError, AConnectionErrorIsDiagnosed) {
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  EXPECT_EQ(describe_http_error(httplib::Error::Connection, "127.0.0.1", closed_port(), deadline),
            "connection refused (nothing listens on that port)");
  EXPECT_NE(describe_http_error(httplib::Error::Connection, "opsagent-test.invalid", 80, deadline)
                .find("name resolution failed"),
            std::string::npos);
}

TEST(DescribeHttpError, OtherErrorsSayWhatHappened) {
  const auto now = std::chrono::steady_clock::now();
  EXPECT_NE(describe_http_error(httplib::Error::SSLConnection, "h", 443, now).find("TLS"),
            std::string::npos);
  EXPECT_NE(
      describe_http_error(httplib::Error::SSLServerVerification, "h", 443, now).find("certificate"),
      std::string::npos);
  EXPECT_NE(describe_http_error(httplib::Error::Read, "h", 80, now).find("answer"),
            std::string::npos);
  EXPECT_NE(describe_http_error(httplib::Error::ConnectionTimeout, "h", 80, now).find("timed out"),
            std::string::npos);
  EXPECT_NE(describe_connect_errno(EHOSTUNREACH).find("unreachable"), std::string::npos);
}

}  // namespace
}  // namespace opsagent::probes
