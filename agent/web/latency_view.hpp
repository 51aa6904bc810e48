// How the latency histories of the app's endpoints ([[readiness.http]]) and the upstream APIs
// look in every view: the /health and /upstreams/NAME JSON, the /status text and HTML sections.
// One place, so the views can differ in presentation only. (/metrics renders the same windows
// in metrics.cpp.) Thread-safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "probes/model/latency_history.hpp"
#include "probes/model/snapshot.hpp"

namespace opsagent::web {

// "p50 12.0ms  p95 80.0ms  p99 250.0ms (33 answers)", or "no answer yet".
std::string latency_phrase(const probes::LatencySummary& l);

// {"1m": {"p50": 12.0, "p95": 80.0, "p99": 250.0, "samples": 33}, "15m": …, "1h": …}, in
// milliseconds; a window without answers has null quantiles and 0 samples.
nlohmann::json latency_json(const probes::LatencyWindows& windows);

// The text /status section (each source's windows), empty when there is no source.
std::string text_latency(const probes::Snapshot& s);
// The HTML /status card, empty when there is no source.
std::string html_latency(const probes::Snapshot& s);

}  // namespace opsagent::web
