#include "probes/net/name_resolver.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

namespace opsagent::probes {

namespace {

// One lookup, shared by the caller (who may give up at its deadline) and the thread that runs
// the blocking getaddrinfo (which finishes whenever the system resolver does).
struct Lookup {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  bool abandoned = false;  // the caller gave up at its deadline
  int rc = 0;
  std::string address;  // the first IPv4/IPv6 address, numeric
};

// Lookups whose caller gave up and whose getaddrinfo has not returned yet. A resolver that
// never answers must not pile up threads cycle after cycle: past the cap, new lookups fail at
// once (the earlier ones are still waiting on the same dead resolver).
std::atomic<int> abandoned_lookups{0};
constexpr int kMaxAbandonedLookups = 8;

std::string numeric_address(const addrinfo* ai) {
  std::array<char, INET6_ADDRSTRLEN> buf{};
  const void* addr =
      ai->ai_family == AF_INET6
          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr)
          : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr);
  if (inet_ntop(ai->ai_family, addr, buf.data(), buf.size()) == nullptr) return {};
  return buf.data();
}

void run_lookup(const std::string& host, const std::shared_ptr<Lookup>& lookup) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &result);
  std::string address;
  for (const addrinfo* ai = result; rc == 0 && ai != nullptr && address.empty(); ai = ai->ai_next) {
    if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) address = numeric_address(ai);
  }
  if (result != nullptr) freeaddrinfo(result);
  {
    std::lock_guard lock(lookup->mutex);
    lookup->rc = rc;
    lookup->address = std::move(address);
    lookup->done = true;
    if (lookup->abandoned) abandoned_lookups.fetch_sub(1);
  }
  lookup->done_cv.notify_all();
}

}  // namespace

// The blocking getaddrinfo runs on a thread of its own and the caller waits for it only until
// the deadline. (getaddrinfo_a did the same with glibc's internal threads, which the thread
// sanitizer cannot see and crashed on.)
std::expected<std::string, ProbeFailure> resolve_host(
    const std::string& host, std::chrono::steady_clock::time_point deadline) {
  if (abandoned_lookups.load() >= kMaxAbandonedLookups) {
    return std::unexpected(ProbeFailure{
        ErrorClass::timeout, "looking up host \"" + host +
                                 "\" timed out (earlier lookups are still waiting for the "
                                 "system resolver)"});
  }
  auto lookup = std::make_shared<Lookup>();
  try {
    std::thread(run_lookup, host, lookup).detach();
  } catch (const std::system_error& e) {
    return std::unexpected(
        ProbeFailure{ErrorClass::dns, "cannot look up host \"" + host + "\": " + e.what()});
  }
  std::unique_lock lock(lookup->mutex);
  if (!lookup->done_cv.wait_until(lock, deadline, [&] { return lookup->done; })) {
    lookup->abandoned = true;
    abandoned_lookups.fetch_add(1);
    return std::unexpected(
        ProbeFailure{ErrorClass::timeout, "looking up host \"" + host + "\" timed out"});
  }
  if (lookup->rc != 0) {
    return std::unexpected(ProbeFailure{ErrorClass::dns, "could not translate host name \"" + host +
                                                             "\": " + gai_strerror(lookup->rc)});
  }
  if (lookup->address.empty()) {
    return std::unexpected(ProbeFailure{ErrorClass::dns, "host \"" + host + "\" has no address"});
  }
  return lookup->address;
}

}  // namespace opsagent::probes
