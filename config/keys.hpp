// The key tables of the config file, section by section (config/sections/*.cpp declare them):
// every key the file accepts, declared once with its type, default, bounds, reloadability and
// meaning. The loader, the "did you mean" hints, the reload warning and the docs tests all read
// these tables. Internal to the config module (and its tests). Thread-safety: the tables are
// immutable once built (config_keys() builds its list on first use, thread-safely).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/key_table.hpp"

namespace opsagent::config {

// The longest agent.drain, whether written in the file or derived from Railway's setting.
inline constexpr Duration kMaxDrain = std::chrono::minutes(15);

// The drafts of array-of-tables entries, defined beside their key tables.
struct MarkerDraft;     // [[readiness.migrations]], sections/readiness_migrations.cpp
struct ClientDraft;     // [[pool.clients]], sections/pool_clients.cpp
struct HttpDraft;       // [[readiness.http]], sections/readiness_http.cpp
struct ReceiverDraft;   // [[alerts.receivers]], sections/alert_receivers.cpp
struct UpstreamDraft;   // [[upstreams]], sections/upstreams.cpp
struct JobDraft;        // [[jobs]], sections/jobs.cpp
struct QueryDraft;      // [[queries]], sections/queries.cpp
struct ThresholdDraft;  // [[queries.thresholds]], sections/queries.cpp

// Every key of the top-level sections, in section order, then the top-level arrays of tables
// ([[upstreams]], [[jobs]], [[queries]]), whose rows have the empty section "" (the root table).
std::span<const KeySpec<Config>> config_keys();
std::span<const KeySpec<MarkerDraft>> marker_keys();
std::span<const KeySpec<ClientDraft>> client_keys();
std::span<const KeySpec<HttpDraft>> http_keys();
std::span<const KeySpec<ReceiverDraft>> alert_receiver_keys();
std::span<const KeySpec<UpstreamDraft>> upstream_keys();
std::span<const KeySpec<JobDraft>> job_keys();
std::span<const KeySpec<QueryDraft>> query_keys();
std::span<const KeySpec<ThresholdDraft>> query_threshold_keys();

// How a key is written in messages and docs: "section.name", or "name" for a root key.
template <class Target>
std::string dotted_key(const KeySpec<Target>& spec) {
  return spec.section.empty() ? std::string(spec.name)
                              : std::string(spec.section) + "." + std::string(spec.name);
}

// The sections (top-level tables) that config_keys() uses, in table order; not the root ("").
std::vector<std::string_view> config_sections();

// The array-of-tables sections below `section` that declare `name`: `pool_max` under [pool] was
// meant for a [[pool.clients]] block; `name` under [readiness] for either of its blocks.
std::vector<std::string_view> entry_sections_of(std::string_view section, std::string_view name);

}  // namespace opsagent::config
