#include "probes/net/name_resolver.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <mutex>
#include <vector>

namespace opsagent::probes {

namespace {

// getaddrinfo_a keeps pointers into the request until it completes, so a lookup abandoned at
// the deadline must outlive the call; finished ones are reclaimed on the next lookup.
struct Lookup {
  std::string name;
  addrinfo hints{};
  gaicb request{};
};

std::mutex abandoned_mutex;
std::vector<std::unique_ptr<Lookup>> abandoned;

void reclaim_finished() {
  std::lock_guard lock(abandoned_mutex);
  std::erase_if(abandoned, [](const std::unique_ptr<Lookup>& l) {
    if (gai_error(&l->request) == EAI_INPROGRESS) return false;
    if (l->request.ar_result != nullptr) freeaddrinfo(l->request.ar_result);
    return true;
  });
}

std::string numeric_address(const addrinfo* ai) {
  std::array<char, INET6_ADDRSTRLEN> buf{};
  const void* addr =
      ai->ai_family == AF_INET6
          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr)
          : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr);
  if (inet_ntop(ai->ai_family, addr, buf.data(), buf.size()) == nullptr) return {};
  return buf.data();
}

}  // namespace

std::expected<std::string, ProbeFailure> resolve_host(
    const std::string& host, std::chrono::steady_clock::time_point deadline) {
  reclaim_finished();
  auto lookup = std::make_unique<Lookup>();
  lookup->name = host;
  lookup->hints.ai_family = AF_UNSPEC;
  lookup->hints.ai_socktype = SOCK_STREAM;
  lookup->request.ar_name = lookup->name.c_str();
  lookup->request.ar_request = &lookup->hints;
  gaicb* list[1] = {&lookup->request};
  if (int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, nullptr); rc != 0) {
    return std::unexpected(
        ProbeFailure{ErrorClass::dns, "cannot look up host \"" + host + "\": " + gai_strerror(rc)});
  }
  int rc = EAI_INPROGRESS;
  while ((rc = gai_error(&lookup->request)) == EAI_INPROGRESS) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) break;
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    const gaicb* const waiting[1] = {&lookup->request};
    gai_suspend(waiting, 1, &ts);
  }
  if (rc == EAI_INPROGRESS) {
    if (gai_cancel(&lookup->request) != EAI_CANCELED) {
      std::lock_guard lock(abandoned_mutex);
      abandoned.push_back(std::move(lookup));
    }
    return std::unexpected(
        ProbeFailure{ErrorClass::timeout, "looking up host \"" + host + "\" timed out"});
  }
  if (rc != 0) {
    return std::unexpected(ProbeFailure{
        ErrorClass::dns, "could not translate host name \"" + host + "\": " + gai_strerror(rc)});
  }
  std::string address;
  for (const addrinfo* ai = lookup->request.ar_result; ai != nullptr && address.empty();
       ai = ai->ai_next) {
    if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) address = numeric_address(ai);
  }
  freeaddrinfo(lookup->request.ar_result);
  if (address.empty()) {
    return std::unexpected(ProbeFailure{ErrorClass::dns, "host \"" + host + "\" has no address"});
  }
  return address;
}

}  // namespace opsagent::probes
