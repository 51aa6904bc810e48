// Host name lookup that ends by a deadline. libpq resolves names with blocking getaddrinfo()
// inside PQconnectStart, which a slow or dead DNS server can stall for far longer than any
// deadline; so the agent resolves the name itself (getaddrinfo on a thread of its own, waited
// for only until the deadline) and hands libpq `hostaddr`.
// Thread-safety: safe to call from any thread.
#pragma once

#include <chrono>
#include <expected>
#include <string>

#include "probes/model/check_result.hpp"

namespace opsagent::probes {

// The first address of `host` as numeric text ("10.0.0.5", "::1").
std::expected<std::string, ProbeFailure> resolve_host(
    const std::string& host, std::chrono::steady_clock::time_point deadline);

}  // namespace opsagent::probes
