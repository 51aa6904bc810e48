// The sections of the config file, one file each (config/sections/<section>.cpp): its key table
// and the rules over several of its keys (cross-checks), run after the whole file is read.
// Array-of-tables sections ([[readiness.http]], ...) have their own files with their entry's key
// table and the resolution of an entry into its item. Internal to the config module.
// Thread-safety: the tables are immutable; the functions touch only their arguments.
#pragma once

#include <span>
#include <string>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/key_table.hpp"

namespace opsagent::config {

// The key tables of the top-level sections (keys.cpp joins them into config_keys()).
std::span<const KeySpec<Config>> agent_keys();
std::span<const KeySpec<Config>> log_keys();
std::span<const KeySpec<Config>> database_keys();
std::span<const KeySpec<Config>> readiness_keys();
std::span<const KeySpec<Config>> pool_keys();
std::span<const KeySpec<Config>> pgbouncer_keys();
std::span<const KeySpec<Config>> supervise_keys();
std::span<const KeySpec<Config>> deploy_keys();
std::span<const KeySpec<Config>> alerts_keys();
std::span<const KeySpec<Config>> container_keys();
std::span<const KeySpec<Config>> locks_keys();
// Top-level arrays of tables ([[upstreams]], [[jobs]]): rows of the root table, whose section
// is "".
std::span<const KeySpec<Config>> upstreams_keys();
std::span<const KeySpec<Config>> jobs_keys();
std::span<const KeySpec<Config>> queries_keys();

// The readers of the array-of-tables keys, each in its section's file.
void apply_migrations(const toml::node& value, const std::string& key, Config& config,
                      Diagnostics& diag);
void apply_http_checks(const toml::node& value, const std::string& key, Config& config,
                       Diagnostics& diag);
void apply_pool_clients(const toml::node& value, const std::string& key, Config& config,
                        Diagnostics& diag);
void apply_upstreams(const toml::node& value, const std::string& key, Config& config,
                     Diagnostics& diag);
void apply_alert_receivers(const toml::node& value, const std::string& key, Config& config,
                           Diagnostics& diag);
void apply_jobs(const toml::node& value, const std::string& key, Config& config, Diagnostics& diag);
void apply_queries(const toml::node& value, const std::string& key, Config& config,
                   Diagnostics& diag);

// The cross-checks, run by the loader in this order once the file is read.
void check_database(const Config& c, Diagnostics& diag);   // lock_timeout vs statement_timeout
void check_agent(const Config& c, Diagnostics& diag);      // stale_after vs the probe cycle
void check_pool(const Config& c, Diagnostics& diag);       // critical after warn
void check_alerts(const Config& c, Diagnostics& diag);     // clear_below before pool.warn
void check_container(const Config& c, Diagnostics& diag);  // critical after warn
void check_locks(const Config& c, Diagnostics& diag);      // critical_after after alert_after
// alerts.state_file names a regular file (or nothing yet); only for files on disk.
void check_alert_state_file(const Config& c, Diagnostics& diag);

}  // namespace opsagent::config
