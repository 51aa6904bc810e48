// The aggregate query over pg_stat_activity sent in the probe's pipeline, and its reading into an
// ActivitySnapshot. Client backends only; the agent's own session is excluded from every count.
// Thread-safety: pure functions.
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "probes/model/activity.hpp"
#include "probes/postgres/pg_connection.hpp"

namespace opsagent::probes {

// The statement to add to the probe's pipeline (fixed text). `leader_pid`: the backend that
// holds this agent's pooled leadership lease (leadership.hpp), excluded like the probe's own.
PipelineStatement activity_statement(std::optional<int> leader_pid = std::nullopt);

// Reads the statement's result; an error message when its shape is not what the query returns.
std::expected<ActivitySnapshot, std::string> read_activity(const pg_result* result);

}  // namespace opsagent::probes
