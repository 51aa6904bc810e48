// The signals `opsagent run` handles (TERM, INT, HUP, CHLD), taken synchronously: blocked in
// every thread (the mask is inherited, so it is set before any thread starts) and waited for by
// the main thread with sigtimedwait, so shutdown and reload never run inside a signal handler.
// Thread-safety: block() before starting threads; next()/wait() from the main thread only.
#pragma once

#include <signal.h>

#include <chrono>

#include "common/clock.hpp"
#include "common/saturating_time.hpp"

namespace opsagent::daemon {

class HandledSignals {
 public:
  HandledSignals();

  // Blocks the handled signals in the calling thread (and the threads it starts later), and
  // ignores SIGPIPE (a peer that hangs up is an error return, not a death).
  void block() const;

  // Waits up to `timeout` for one of the handled signals; 0 when none came.
  int next(std::chrono::milliseconds timeout) const;

  // Waits up to `timeout` for handled signals, passing each to `on_signal` until it returns
  // true.
  template <class OnSignal>
  void wait(std::chrono::milliseconds timeout, OnSignal on_signal) const {
    const auto until = common::saturating_add(SteadyClock::now(), timeout);
    for (auto now = SteadyClock::now(); now < until; now = SteadyClock::now()) {
      const int sig = next(std::chrono::duration_cast<std::chrono::milliseconds>(until - now));
      if (sig != 0 && on_signal(sig)) return;
    }
  }

 private:
  sigset_t set_;
};

}  // namespace opsagent::daemon
