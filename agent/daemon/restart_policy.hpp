// Supervise mode's restart decisions (supervise.on_exit = "restart"): how long to wait before
// starting the app again once it exited or could not be started. A pure function of the backoff
// so far and how long the app last ran, so it is unit-tested without a clock or a child process.
// Thread-safety: plain values and a pure function.
#pragma once

#include "common/clock.hpp"
#include "config/config.hpp"

namespace opsagent::daemon {

// The delay the next restart waits: 1 s, doubling after each restart up to
// supervise.restart_backoff_max.
struct RestartBackoff {
  static constexpr config::Duration kFirst{1000};
  config::Duration next = kFirst;
  bool operator==(const RestartBackoff&) const = default;
};

struct RestartDecision {
  config::Duration delay;  // start the app again this long from now
  RestartBackoff backoff;  // what the following restart starts from
};

// `ran_for`: the time since the app last started successfully. A run longer than `max` (the
// longest backoff) counts as healthy: the backoff starts over from kFirst, so an app that crashes
// once a day is restarted after 1 s, not after `max`.
RestartDecision decide_restart(RestartBackoff backoff, SteadyClock::duration ran_for,
                               config::Duration max);

}  // namespace opsagent::daemon
