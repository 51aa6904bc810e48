// A bare TCP client for tests that must misbehave the way real clients do: send half a
// request, trickle bytes, stay idle on a keep-alive connection, or pipeline requests.
// Thread-safety: one RawClient per thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace opsagent::testing {

class RawClient {
 public:
  // Connects to 127.0.0.1:port; connected() says whether that worked. A receive_buffer > 0
  // shrinks the socket's SO_RCVBUF (set before connecting, so the window is small from the
  // start): a client that does not read then stops taking the server's output almost at once.
  explicit RawClient(int port, int receive_buffer = 0);
  ~RawClient();
  RawClient(RawClient&& other) noexcept;
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  RawClient& operator=(RawClient&&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view bytes);
  // Everything received until `needle` has been seen `count` times, the peer closed, or the
  // timeout passed; received() keeps all of it.
  const std::string& read_until(std::string_view needle, std::chrono::milliseconds timeout,
                                int count = 1);
  // True once the peer has closed the connection (EOF or reset) within the timeout; bytes
  // that arrive meanwhile are kept in received().
  bool wait_closed(std::chrono::milliseconds timeout);
  const std::string& received() const { return received_; }

 private:
  // One poll+recv; false at EOF or error (sets peer_closed_).
  bool receive_some(std::chrono::milliseconds wait);

  int fd_ = -1;
  bool peer_closed_ = false;
  std::string received_;
};

// How many times `needle` occurs in `haystack`.
int count_of(std::string_view haystack, std::string_view needle);

}  // namespace opsagent::testing
