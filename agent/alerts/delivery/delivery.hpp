// Delivery of notifications to receivers, in parts: the queue and its thread (queue.hpp), the
// retry rules (retry_policy.hpp), one attempt (attempt.hpp) through the HTTP or exec sender, and
// the checks of the receivers' environment variables (receiver_env.hpp). This header gathers
// them for the composition root. Thread-safety: see each part.
#pragma once

#include "agent/alerts/delivery/attempt.hpp"
#include "agent/alerts/delivery/job.hpp"
#include "agent/alerts/delivery/queue.hpp"
#include "agent/alerts/delivery/receiver_env.hpp"
#include "agent/alerts/delivery/receiver_stats.hpp"
#include "agent/alerts/delivery/retry_policy.hpp"
