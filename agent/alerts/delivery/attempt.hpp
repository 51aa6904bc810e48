// One attempt to deliver a notification to a receiver: reads the receiver's variables (url_env,
// secret_env, routing_key_env) through the environment now, builds the body its type gets,
// signs it, and hands it to the HTTP sender (webhook, slack, pagerduty, alertmanager) or the
// exec sender. Receiver URLs are parsed by config::parse_receiver_url, the parser the config
// checker uses, so a URL from url_env means what it would mean in the config file.
// Thread-safety: reentrant.
#pragma once

#include <chrono>
#include <expected>
#include <string>

#include "agent/alerts/delivery/job.hpp"
#include "agent/alerts/identity.hpp"
#include "config/config.hpp"
#include "config/load.hpp"
#include "config/syntax/http_url.hpp"

namespace opsagent::alerts {

// A missing variable or an unusable URL is a config result (not retried) naming the variable.
// Bound: the receiver's timeout (see http_sender.hpp and exec_sender.hpp).
AttemptResult attempt_delivery(const config::AlertReceiver& receiver, const DeliveryJob& job,
                               const config::Environment& env, const AgentIdentity& who,
                               std::chrono::seconds alertmanager_ttl);

// Where an HTTP receiver's notifications go: the value of url_env (read now), else url, else
// (pagerduty) the Events API v2 URL. The error names the key or the variable and what is wrong,
// never any part of the URL.
std::expected<config::HttpUrl, std::string> receiver_url(const config::AlertReceiver& receiver,
                                                         const config::Environment& env);

}  // namespace opsagent::alerts
