#include "agent/http/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace opsagent::agent::http {

namespace {

// Output gathered before a send: more than any response the agent writes except /status and
// /metrics on a large cluster, which then go out in 16 KiB pieces.
constexpr std::size_t kFlushAt = std::size_t{16} * 1024;

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

ConnectionStream::~ConnectionStream() {
  connection_.buffer.erase(0, consumed_);
}

bool ConnectionStream::wait_for(short events) const {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{connection_.fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

bool ConnectionStream::is_readable() const {
  return consumed_ < connection_.buffer.size() || wait_for(POLLIN);
}

bool ConnectionStream::is_writable() const {
  return wait_for(POLLOUT);
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  const std::size_t buffered = connection_.buffer.size() - consumed_;
  if (buffered > 0) {
    const std::size_t n = std::min(size, buffered);
    std::memcpy(ptr, connection_.buffer.data() + consumed_, n);
    consumed_ += n;
    return static_cast<ssize_t>(n);
  }
  for (;;) {
    const ssize_t n = ::recv(connection_.fd, ptr, size, MSG_DONTWAIT);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if ((errno != EAGAIN && errno != EWOULDBLOCK) || !wait_for(POLLIN)) return -1;
  }
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  // "HTTP/1.1 200 ...": cpp-httplib writes the status line and headers in one call.
  if (response_status_ == 0 && size >= 12 && std::memcmp(ptr, "HTTP/1.", 7) == 0 &&
      std::all_of(ptr + 9, ptr + 12, [](char c) { return c >= '0' && c <= '9'; })) {
    response_status_ = (ptr[9] - '0') * 100 + (ptr[10] - '0') * 10 + (ptr[11] - '0');
  }
  pending_.append(ptr, size);
  if (pending_.size() >= kFlushAt && !flush()) return -1;
  return static_cast<ssize_t>(size);
}

bool ConnectionStream::flush() {
  const bool sent = send_all(pending_.data(), pending_.size());
  pending_.clear();
  return sent;
}

bool ConnectionStream::write_all(std::string_view data) {
  return flush() && send_all(data.data(), data.size());
}

bool ConnectionStream::send_all(const char* data, std::size_t size) const {
  while (size > 0) {
    const ssize_t n = ::send(connection_.fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) {
      data += n;
      size -= static_cast<std::size_t>(n);
    } else if (errno != EINTR &&
               ((errno != EAGAIN && errno != EWOULDBLOCK) || !wait_for(POLLOUT))) {
      return false;
    }
  }
  return true;
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

}  // namespace opsagent::agent::http
