#include "agent/daemon/signal_wait.hpp"

#include <pthread.h>

#include <ctime>

namespace opsagent::daemon {

HandledSignals::HandledSignals() : set_() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGHUP);
  sigaddset(&set_, SIGCHLD);  // supervise mode (and orphans when PID 1); harmless otherwise
}

void HandledSignals::block() const {
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int HandledSignals::next(std::chrono::milliseconds timeout) const {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  const int sig = sigtimedwait(&set_, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

}  // namespace opsagent::daemon
