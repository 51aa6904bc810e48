#include "probes/http/http_failure.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/clock.hpp"
#include "probes/net/name_resolver.hpp"

namespace opsagent::probes {
namespace {

// 0 when a connection was made; otherwise the errno of the failure (ETIMEDOUT at the deadline).
int try_connect(const std::string& address, std::uint16_t port, SteadyClock::time_point deadline) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    length = sizeof *v4;
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    length = sizeof *v6;
  } else {
    return EINVAL;
  }
  const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int result = 0;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    result = errno;
    while (result == EINPROGRESS || result == EINTR) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
      if (left <= 0) {
        result = ETIMEDOUT;
        break;
      }
      pollfd p{fd, POLLOUT, 0};
      const int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60'000)));
      if (rc < 0 && errno == EINTR) continue;
      if (rc <= 0) {
        result = rc == 0 ? ETIMEDOUT : errno;
        continue;
      }
      socklen_t size = sizeof result;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &result, &size) != 0) result = errno;
    }
  }
  ::close(fd);
  return result;
}

std::string diagnose_connection(const std::string& host, std::uint16_t port,
                                SteadyClock::time_point deadline) {
  in6_addr scratch{};
  std::string address = host;
  if (inet_pton(AF_INET, host.c_str(), &scratch) != 1 &&
      inet_pton(AF_INET6, host.c_str(), &scratch) != 1) {
    auto resolved = resolve_host(host, deadline);
    if (!resolved) {
      return resolved.error().error == ErrorClass::timeout
                 ? "name resolution timed out"
                 : "name resolution failed (" + resolved.error().message + ")";
    }
    address = std::move(*resolved);
  }
  const int err = try_connect(address, port, deadline);
  if (err == 0) {
    return "the connection failed, but a second attempt just now succeeded (the server may "
           "have been restarting)";
  }
  return describe_connect_errno(err);
}

}  // namespace

std::string describe_connect_errno(int err) {
  switch (err) {
    case ECONNREFUSED:
      return "connection refused (nothing listens on that port)";
    case ETIMEDOUT:
      return "connection timed out (no answer to the connection attempt)";
    case EHOSTUNREACH:
      return "host unreachable";
    case ENETUNREACH:
      return "network unreachable";
    case ECONNRESET:
      return "connection reset by the server";
    case EADDRNOTAVAIL:
      return "the address cannot be used from this host";
    default:
      return "connection failed: " + std::string(std::strerror(err));
  }
}

std::string describe_http_error(httplib::Error error, const std::string& host, std::uint16_t port,
                                SteadyClock::time_point deadline) {
  using httplib::Error;
  switch (error) {
    case Error::Success:
      return "no error";
    case Error::Connection:
      return diagnose_connection(host, port, deadline);
    case Error::ConnectionTimeout:
      return "connection timed out (no answer to the connection attempt)";
    case Error::BindIPAddress:
      return "could not bind the local address for the connection";
    case Error::Read:
      return "the connection closed or broke before the whole answer was read";
    case Error::Write:
      return "the connection closed or broke while the request was being sent";
    case Error::ExceedRedirectCount:
      return "too many redirects";
    case Error::Canceled:
      return "the request was canceled";
    case Error::SSLConnection:
      return "the TLS handshake failed (is it an https server, with a TLS version this agent "
             "accepts?)";
    case Error::SSLLoadingCerts:
      return "TLS: the CA certificates to verify the server could not be loaded";
    case Error::SSLServerVerification:
      return "TLS: the server's certificate could not be verified (untrusted, expired, or for "
             "another name)";
    case Error::UnsupportedMultipartBoundaryChars:
      return "invalid multipart boundary";
    case Error::Compression:
      return "the answer could not be decompressed";
    case Error::Unknown:
      break;
  }
  return "the request failed (cpp-httplib: " + httplib::to_string(error) + ")";
}

}  // namespace opsagent::probes
