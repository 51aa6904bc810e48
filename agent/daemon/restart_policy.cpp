#include "agent/daemon/restart_policy.hpp"

#include <algorithm>

namespace opsagent::daemon {

RestartDecision decide_restart(RestartBackoff backoff, SteadyClock::duration ran_for,
                               config::Duration max) {
  if (ran_for > max) backoff.next = RestartBackoff::kFirst;
  return {.delay = backoff.next, .backoff = {.next = std::min(backoff.next * 2, max)}};
}

}  // namespace opsagent::daemon
