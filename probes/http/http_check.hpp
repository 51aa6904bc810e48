// HTTP readiness checks of the app itself ([[readiness.http]]): one GET each, bounded by the
// check's timeout and the cycle's deadline, so "ready" means database + schema + the app
// answering. Thread-safety: reentrant.
#pragma once

#include <string>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "probes/model/check_result.hpp"

namespace opsagent::probes {

// "http:<name>": the check's name in /health, /status and /metrics.
std::string http_check_name(const config::HttpCheck& check);

// "http:<name>": pass when the URL answers expect_status; otherwise refused, timeout,
// connection_lost or http_status (with the status seen).
CheckResult run_http_check(const config::HttpCheck& check, Deadline deadline);

// The app answered (whatever the status): the check's duration is a latency worth keeping. A
// timeout measures the timeout and a refusal nothing.
bool got_answer(const CheckResult& c);

}  // namespace opsagent::probes
