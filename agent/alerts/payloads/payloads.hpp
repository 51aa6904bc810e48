// The body each receiver type gets for a Notification, built with a JSON serializer (never by
// string substitution) and cut to the provider's limits, one file per provider, plus the
// Standard Webhooks signature (signing.hpp). This header gathers them for callers that build
// several. Thread-safety: pure functions.
#pragma once

#include "agent/alerts/identity.hpp"
#include "agent/alerts/payloads/alertmanager.hpp"
#include "agent/alerts/payloads/exec_environment.hpp"
#include "agent/alerts/payloads/pagerduty.hpp"
#include "agent/alerts/payloads/signing.hpp"
#include "agent/alerts/payloads/slack.hpp"
#include "agent/alerts/payloads/webhook.hpp"
