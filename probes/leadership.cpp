#include "probes/leadership.hpp"

#include <libpq-fe.h>

namespace opsagent::probes {

PipelineStatement leadership_statement() {
  return PipelineStatement{
      .sql = "SELECT pg_try_advisory_lock($1::int4, $2::int4)",
      .params = {std::to_string(kLeadershipLockClass), std::to_string(kLeadershipLockId)}};
}

std::expected<bool, std::string> read_leadership(const pg_result* result) {
  if (PQresultStatus(result) != PGRES_TUPLES_OK) {
    return std::unexpected("the leadership lock query failed");
  }
  if (PQntuples(result) != 1 || PQnfields(result) != 1 || PQgetisnull(result, 0, 0)) {
    return std::unexpected("the leadership lock query returned an unexpected shape");
  }
  return std::string_view(PQgetvalue(result, 0, 0)) == "t";
}

}  // namespace opsagent::probes
