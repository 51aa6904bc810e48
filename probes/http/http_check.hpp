// HTTP readiness checks of the app itself ([[readiness.http]]): one GET each, bounded by the
// check's timeout and the cycle's deadline, so "ready" means database + schema + the app
// answering. Thread-safety: reentrant.
#pragma once

#include "common/clock.hpp"
#include "config/config.hpp"
#include "probes/model/check_result.hpp"

namespace opsagent::probes {

// "http:<name>": pass when the URL answers expect_status; otherwise refused, timeout,
// connection_lost or http_status (with the status seen).
CheckResult run_http_check(const config::HttpCheck& check, Deadline deadline);

}  // namespace opsagent::probes
