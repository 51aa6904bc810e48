// Delivery to an exec receiver: runs its command (common/process/exec_command) with the webhook
// body on stdin and exec_environment() plus PATH, HOME and LANG as its whole environment, killed
// with its process group at the receiver's timeout. Exit 0 is delivered; another exit, a signal
// or the timeout is retried; a command that cannot be run (missing, not executable) is a
// configuration mistake. Errors name argv[0] only: arguments may carry tokens.
// Thread-safety: reentrant.
#pragma once

#include "agent/alerts/delivery/job.hpp"
#include "agent/alerts/identity.hpp"
#include "config/config.hpp"
#include "config/load.hpp"

namespace opsagent::alerts {

// Blocks for at most receiver.timeout, plus the moment the kernel takes to reap a killed command.
AttemptResult exec_attempt(const config::AlertReceiver& receiver, const DeliveryJob& job,
                           const config::Environment& env, const AgentIdentity& who);

}  // namespace opsagent::alerts
