// The config in force, swapped whole on reload.
#pragma once

#include "config/config.hpp"
#include "probes/latest.hpp"

namespace opsagent::probes {
using ConfigHolder = Latest<config::Config>;
}  // namespace opsagent::probes
