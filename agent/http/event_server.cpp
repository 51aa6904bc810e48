#include "agent/http/event_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

#include "agent/http/request_guard.hpp"
#include "agent/http/request_head.hpp"

namespace opsagent::http {

namespace {

constexpr std::uint64_t kWakeKey = 0;  // connection ids start at 1
constexpr std::uint64_t kSweepKey = std::numeric_limits<std::uint64_t>::max();  // never an id
constexpr auto kSweepEvery = std::chrono::milliseconds(100);
constexpr std::uint32_t kArmed = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
constexpr std::uint32_t kArmedForWrite = EPOLLOUT | EPOLLONESHOT;
constexpr int kSendBuffer = 16 * 1024;  // per client socket; the kernel doubles it

// A response the server writes itself, before cpp-httplib has seen the request; the
// connection is closed once it is sent.
std::string_view reason_of(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 416:
      return "Range Not Satisfiable";
    case 431:
      return "Request Header Fields Too Large";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

void append_final(std::string& out, int status, std::string_view error) {
  const std::string body = "{\"error\":\"" + std::string(error) + "\"}";
  out.append("HTTP/1.1 ")
      .append(std::to_string(status))
      .append(" ")
      .append(reason_of(status))
      .append("\r\nConnection: close\r\nContent-Length: ")
      .append(std::to_string(body.size()))
      .append("\r\nContent-Type: application/json\r\n\r\n")
      .append(body);
}

// Best effort, for a connection closed right after (the sweeper's 408).
void send_final(int fd, int status, std::string_view error) {
  std::string response;
  append_final(response, status, error);
  (void)::send(fd, response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

}  // namespace

EventServer::EventServer(const ServerLimits& limits) : limits_(limits) {
  if (limits.workers == 0 || limits.max_connections == 0) {
    throw std::invalid_argument("EventServer needs at least one worker and one connection");
  }
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  sweep_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0 || sweep_fd_ < 0) {
    throw std::runtime_error("epoll/eventfd/timerfd unavailable");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered and never read: wakes every worker once written
  ev.data.u64 = kWakeKey;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  ev.events = EPOLLIN | EPOLLONESHOT;  // one worker sweeps per tick; re-armed after each
  ev.data.u64 = kSweepKey;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, sweep_fd_, &ev);
  // Only for the Keep-Alive header cpp-httplib writes: the event server enforces both.
  routes().set_keep_alive_max_count(limits.keep_alive_max_count);
  routes().set_keep_alive_timeout(limits.keep_alive_timeout.count());
}

EventServer::~EventServer() {
  shutdown();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
  for (auto& [id, c] : connections_) ::close(c->fd);
  ::close(sweep_fd_);
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

int EventServer::bind_listener(const std::string& host, int port) {
  return httplib_.bind_listener(host, port);
}

bool EventServer::serve() {
  if (stopping_) return true;
  for (std::size_t i = 0; i < limits_.workers; ++i) {
    workers_.emplace_back([this] { work(); });
  }
  const bool ok = httplib_.accept_until_stopped() || stopping_;
  stop_workers();
  for (auto& w : workers_) w.join();
  workers_.clear();
  std::lock_guard lock(mutex_);
  while (!connections_.empty()) close_locked(connections_.begin()->first);
  return ok;
}

void EventServer::shutdown() {
  httplib_.stop_accepting();
  stop_workers();
}

void EventServer::stop_workers() {
  if (!stopping_.exchange(true)) {
    const std::uint64_t one = 1;
    (void)::write(wake_fd_, &one, sizeof(one));
  }
}

ConnectionStats EventServer::stats() const {
  std::lock_guard lock(mutex_);
  ConnectionStats s = counters_;
  s.open_connections = connections_.size();
  return s;
}

void EventServer::adopt(int fd) {
  // cpp-httplib 0.11 accepts without SOCK_CLOEXEC: a supervised app must not inherit these.
  int yes = 1;
  ::ioctl(fd, FIOCLEX);
  ::ioctl(fd, FIONBIO, &yes);
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  // Linux grows a socket's send buffer up to net.ipv4.tcp_wmem's maximum (4 MiB) for a peer
  // that does not read: pipelined requests could park megabytes of answers in the kernel per
  // connection. A fixed buffer bounds that; the rest of an answer waits in ours.
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSendBuffer, sizeof(kSendBuffer));

  std::lock_guard lock(mutex_);
  if (stopping_ ||
      (connections_.size() >= limits_.max_connections && !evict_longest_waiting_locked())) {
    ::close(fd);
    return;
  }
  auto c = std::make_unique<Connection>();
  c->fd = fd;
  c->id = next_id_++;
  c->waiting_since = SteadyClock::now();
  epoll_event ev{};
  ev.events = kArmed;
  ev.data.u64 = c->id;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ::close(fd);
    return;
  }
  ++counters_.accepted;
  connections_.emplace(c->id, std::move(c));
  if (!sweep_armed_) set_sweep_timer_locked(true);
}

void EventServer::set_sweep_timer_locked(bool on) {
  using std::chrono::duration_cast;
  using std::chrono::nanoseconds;
  using std::chrono::seconds;
  itimerspec spec{};  // all zero: disarmed
  if (on) {
    spec.it_interval.tv_sec = static_cast<time_t>(duration_cast<seconds>(kSweepEvery).count());
    spec.it_interval.tv_nsec =
        static_cast<long>(duration_cast<nanoseconds>(kSweepEvery % seconds(1)).count());
    spec.it_value = spec.it_interval;
  }
  sweep_armed_ = ::timerfd_settime(sweep_fd_, 0, &spec, nullptr) == 0 ? on : sweep_armed_;
}

void EventServer::on_sweep_timer() {
  std::uint64_t expirations = 0;
  (void)::read(sweep_fd_, &expirations, sizeof(expirations));  // clears the readiness
  sweep(SteadyClock::now());
  {
    std::lock_guard lock(mutex_);
    // Nothing left to time out: no more ticks until the next connection arrives (adopt).
    if (connections_.empty() && sweep_armed_) set_sweep_timer_locked(false);
  }
  epoll_event again{};
  again.events = EPOLLIN | EPOLLONESHOT;
  again.data.u64 = kSweepKey;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, sweep_fd_, &again);
}

bool EventServer::evict_longest_waiting_locked() {
  Connection* oldest = nullptr;
  for (auto& [id, c] : connections_) {
    if (!c->busy && (oldest == nullptr || c->waiting_since < oldest->waiting_since)) {
      oldest = c.get();
    }
  }
  if (oldest == nullptr) return false;  // every connection is being served right now
  ++counters_.evicted;
  close_locked(oldest->id);
  return true;
}

void EventServer::close_locked(std::uint64_t id) {
  const auto it = connections_.find(id);
  if (it == connections_.end()) return;
  const Connection& c = *it->second;
  if (c.discard_input) {
    // Closing with unread bytes (a refused body, the rest of an oversized head) makes the
    // kernel send a reset, which can destroy the error response before the client reads it.
    // Discard what has arrived so the close is an orderly FIN.
    std::array<char, 4096> discard{};
    for (int i = 0; i < 64; ++i) {
      if (::recv(c.fd, discard.data(), discard.size(), MSG_DONTWAIT) <= 0) break;
    }
  }
  ::close(c.fd);  // also takes it out of the epoll set
  connections_.erase(it);
}

void EventServer::work() {
  // No worker wakes on a clock of its own: the sweep timer ticks only while connections are
  // open (an idle agent's workers sleep until a client or shutdown), and whichever worker is
  // free takes the tick.
  while (!stopping_) {
    epoll_event ev{};
    const int n = ::epoll_wait(epoll_fd_, &ev, 1, -1);
    if (n <= 0 || ev.data.u64 == kWakeKey) continue;
    if (ev.data.u64 == kSweepKey) {
      on_sweep_timer();
      continue;
    }

    Connection* c = nullptr;
    {
      std::lock_guard lock(mutex_);
      const auto it = connections_.find(ev.data.u64);
      if (it == connections_.end()) continue;  // closed by the sweeper or an eviction
      c = it->second.get();
      c->busy = true;
    }
    // The connection is this worker's alone until it is handed back: epoll will not report
    // it again (one-shot), and the sweeper and evictions skip busy connections.
    const Next next = serve_ready(*c);
    std::lock_guard lock(mutex_);
    if (next == Next::kClose || stopping_) {
      close_locked(c->id);
      continue;
    }
    c->busy = false;
    epoll_event again{};
    // A yield waits for EPOLLOUT too: a writable socket reports it at once, behind the events
    // already queued.
    again.events = next == Next::kRead ? kArmed : kArmedForWrite;
    again.data.u64 = c->id;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c->fd, &again) != 0) close_locked(c->id);
  }
}

EventServer::Next EventServer::serve_ready(Connection& c) {
  // An answer not sent whole goes first: the connection's next request waits for it.
  if (c.output_pending()) {
    if (!c.send_pending()) return Next::kClose;
    if (c.output_pending()) return Next::kWrite;
    if (c.close_after_write) return Next::kClose;
  }

  // Read what arrived, up to a full head's worth: nothing else is ever read.
  std::array<char, 4096> chunk{};
  while (c.buffer.size() < kMaxHeadBytes && !c.peer_closed) {
    const ssize_t n = ::recv(c.fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
    if (n > 0) {
      c.buffer.append(chunk.data(), static_cast<std::size_t>(n));
      // A short read emptied the socket: skip the recv that would only say EAGAIN.
      if (static_cast<std::size_t>(n) < chunk.size()) break;
    } else if (n == 0) {
      c.peer_closed = true;  // a request sent before the FIN is still answered
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      break;
    } else {
      return Next::kClose;
    }
  }

  for (;;) {
    switch (scan_request_head(c.buffer)) {
      case HeadState::kIncomplete:
        if (c.peer_closed) return Next::kClose;
        if (!c.buffer.empty() && c.first_byte_at == SteadyClock::time_point{}) {
          c.first_byte_at = SteadyClock::now();
        }
        return Next::kRead;
      case HeadState::kTooLarge: {
        std::lock_guard lock(mutex_);
        ++counters_.head_too_large;
        return refuse(c, 431, "request head too large");
      }
      case HeadState::kComplete:
        break;
    }
    const auto head = guard_head(c.buffer);
    if (!head) {
      {
        std::lock_guard lock(mutex_);
        ++counters_.refused_heads;
      }
      return refuse(c, head.error().status, head.error().message);
    }
    const bool last = c.served + 1 >= limits_.keep_alive_max_count || c.peer_closed || stopping_;
    const ServedRequest served = httplib_.serve(c, last);
    // After a 4xx, or a request with a body (refused or not read), the connection's state is
    // unknown: whatever follows in the buffer may be the rest of that request, never the start
    // of another one. (A 503 from /health/ready is an answer like any other.)
    const bool refused = served.status >= 400 && served.status < 500;
    c.discard_input = refused || head->announces_body();
    const bool close = !served.keep_open || last || c.discard_input;
    ++c.served;
    c.first_byte_at = {};
    c.waiting_since = SteadyClock::now();
    c.close_after_write = close;
    if (const auto next = after_answer(c); next != Next::kRead) return next;
    // More requests pipelined behind this one: serve them on a later turn, after the
    // connections that became ready meanwhile (a fresh healthcheck among them), so that a
    // client with a buffer full of requests cannot keep a worker to itself.
    if (scan_request_head(c.buffer) == HeadState::kComplete) return Next::kYield;
  }
}

EventServer::Next EventServer::refuse(Connection& c, int status, std::string_view error) {
  c.discard_input = true;
  c.close_after_write = true;
  append_final(c.out, status, error);
  return after_answer(c);
}

EventServer::Next EventServer::after_answer(Connection& c) {
  if (!c.send_pending()) return Next::kClose;
  if (c.output_pending()) {
    c.write_deadline = SteadyClock::now() + limits_.write_timeout;
    return Next::kWrite;
  }
  return c.close_after_write ? Next::kClose : Next::kRead;
}

void EventServer::sweep(SteadyClock::time_point now) {
  const auto idle_limit = limits_.keep_alive_timeout;
  const auto head_limit = limits_.read_timeout;

  std::lock_guard lock(mutex_);
  ++counters_.sweeps;
  std::vector<std::uint64_t> expired;
  const std::uint64_t slow_before = counters_.slow_readers;
  for (const auto& [id, c] : connections_) {
    if (c->busy) continue;
    if (c->output_pending()) {  // a client that does not read its answer
      if (now >= c->write_deadline) {
        ++counters_.slow_readers;
        expired.push_back(id);
      }
      continue;
    }
    const bool partial = c->first_byte_at != SteadyClock::time_point{};
    if (partial ? now - c->first_byte_at >= head_limit : now - c->waiting_since >= idle_limit) {
      if (partial) send_final(c->fd, 408, "request timed out");
      expired.push_back(id);
    }
  }
  counters_.timed_out += expired.size() - (counters_.slow_readers - slow_before);
  for (const auto id : expired) close_locked(id);
}

}  // namespace opsagent::http
