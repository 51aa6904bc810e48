#include "agent/http/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

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

void Connection::remote_address(std::string& ip, int& port) {
  if (remote_port_ < 0) lookup_address(fd, ::getpeername, remote_ip_, remote_port_);
  ip = remote_ip_;
  port = remote_port_;
}

void Connection::local_address(std::string& ip, int& port) {
  if (local_port_ < 0) lookup_address(fd, ::getsockname, local_ip_, local_port_);
  ip = local_ip_;
  port = local_port_;
}

}  // namespace opsagent::http
