// The config in force, swapped whole on reload.
#pragma once

#include "common/latest.hpp"
#include "config/config.hpp"

namespace opsagent::probes {
using ConfigHolder = common::Latest<config::Config>;
}  // namespace opsagent::probes
