// The config in force, swapped whole on reload: the probe loop, the server and the alerter read
// it each time they need it, so a reload never changes a config someone is using.
// Thread-safety: common::Latest (get and set from any thread).
#pragma once

#include "common/latest.hpp"
#include "config/config.hpp"

namespace opsagent::probes {
using ConfigHolder = common::Latest<config::Config>;
}  // namespace opsagent::probes
