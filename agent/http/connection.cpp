#include "agent/http/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace opsagent::http {

namespace {

void address_of(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(addr);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text));
    port = ntohs(in.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
    port = ntohs(in6.sin6_port);
  } else {
    port = 0;
  }
  ip = text;
}

// getpeername or getsockname into ip/port; "" and 0 when it fails (then not asked again).
void lookup_address(int fd, int (*lookup)(int, sockaddr*, socklen_t*), std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (lookup(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    address_of(addr, ip, port);
  } else {
    ip.clear();
    port = 0;
  }
}

}  // namespace

bool Connection::send_pending() {
  while (output_pending()) {
    const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return true;  // the rest waits for EPOLLOUT
    } else if (errno != EINTR) {
      return false;
    }
  }
  out.clear();
  sent = 0;
  return true;
}

ConnectionStream::~ConnectionStream() {
  connection_.buffer.erase(0, consumed_);
}

bool ConnectionStream::is_readable() const {
  if (consumed_ < connection_.buffer.size()) return true;
  pollfd p{connection_.fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  const std::size_t buffered = connection_.buffer.size() - consumed_;
  if (buffered > 0) {
    const std::size_t n = std::min(size, buffered);
    std::memcpy(ptr, connection_.buffer.data() + consumed_, n);
    consumed_ += n;
    return static_cast<ssize_t>(n);
  }
  // Only a request body is read past the head, and the agent refuses bodies before reading
  // them: what has not arrived yet is not waited for.
  for (;;) {
    const ssize_t n = ::recv(connection_.fd, ptr, size, MSG_DONTWAIT);
    if (n >= 0 || errno != EINTR) return n;
  }
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  // "HTTP/1.1 200 ...": cpp-httplib writes a status line and its headers in one call. An
  // interim 1xx is followed by the final status line.
  if (response_status_ < 200 && size >= 12 && std::memcmp(ptr, "HTTP/1.", 7) == 0 &&
      std::all_of(ptr + 9, ptr + 12, [](char c) { return c >= '0' && c <= '9'; })) {
    response_status_ = (ptr[9] - '0') * 100 + (ptr[10] - '0') * 10 + (ptr[11] - '0');
  }
  if (connection_.out.size() + size > kMaxPendingOutput) return -1;
  connection_.out.append(ptr, size);
  return static_cast<ssize_t>(size);
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  if (connection_.remote_port < 0) {
    lookup_address(connection_.fd, ::getpeername, connection_.remote_ip, connection_.remote_port);
  }
  ip = connection_.remote_ip;
  port = connection_.remote_port;
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  if (connection_.local_port < 0) {
    lookup_address(connection_.fd, ::getsockname, connection_.local_ip, connection_.local_port);
  }
  ip = connection_.local_ip;
  port = connection_.local_port;
}

}  // namespace opsagent::http
