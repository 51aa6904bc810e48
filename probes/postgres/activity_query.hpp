// The aggregate query over pg_stat_activity the probe sends when it reads every session, its
// reading into an ActivitySnapshot, and the pulse that decides when (activity_refresh.hpp).
// Client backends only; the agent's own session is excluded from every count.
// Thread-safety: pure functions.
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "probes/model/activity.hpp"
#include "probes/model/activity_refresh.hpp"
#include "probes/postgres/pg_connection.hpp"

namespace opsagent::probes {

// The statement to add to the probe's pipeline (fixed text). `leader_pid`: the backend that
// holds this agent's pooled leadership lease (leadership.hpp), excluded like the probe's own.
PipelineStatement activity_statement(std::optional<int> leader_pid = std::nullopt);

// The pulse every cycle sends instead (probes/model/activity_refresh.hpp), with the backend
// status array when `with_status`; `leader_pid` as above.
PipelineStatement activity_pulse_statement(bool with_status,
                                           std::optional<int> leader_pid = std::nullopt);
// nullopt when the pulse's result is not what it returns (the full read then runs as before).
std::optional<ActivityPulse> read_activity_pulse(const pg_result* result);

// Reads the statement's result; an error message when its shape is not what the query returns.
std::expected<ActivitySnapshot, std::string> read_activity(const pg_result* result);

}  // namespace opsagent::probes
