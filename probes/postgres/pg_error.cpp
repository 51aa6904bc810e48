#include "probes/postgres/pg_error.hpp"

#include <array>
#include <utility>

namespace opsagent::probes {

namespace {
bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}
}  // namespace

ErrorClass classify_connect_message(std::string_view message) {
  if (contains(message, "role \"") && contains(message, "does not exist")) return ErrorClass::auth;
  // Ordered: the first matching phrase wins. Texts are libpq 15 / server 15 English messages.
  static constexpr std::array<std::pair<std::string_view, ErrorClass>, 19> kPhrases{{
      {"too many clients", ErrorClass::too_many_connections},
      // PgBouncer 1.18: max_client_conn reached at login; a query that waited in the queue
      // longer than query_wait_timeout.
      {"no more connections allowed", ErrorClass::pooler_saturated},
      {"query_wait_timeout", ErrorClass::pooler_saturated},
      {"remaining connection slots are reserved", ErrorClass::too_many_connections},
      {"password authentication failed", ErrorClass::auth},
      {"no pg_hba.conf entry", ErrorClass::auth},
      {"authentication failed", ErrorClass::auth},
      {"password is required", ErrorClass::auth},
      {"no password supplied", ErrorClass::auth},
      {"does not exist", ErrorClass::database_missing},
      {"could not translate host name", ErrorClass::dns},
      {"Connection refused", ErrorClass::refused},
      {"No such file or directory", ErrorClass::refused},  // unix socket absent
      {"timeout expired", ErrorClass::timeout},
      {"timed out", ErrorClass::timeout},
      {"the database system is starting up", ErrorClass::starting_up},
      {"the database system is shutting down", ErrorClass::starting_up},
      {"the database system is in recovery mode", ErrorClass::starting_up},
      {"SSL", ErrorClass::tls},
  }};
  for (const auto& [phrase, cls] : kPhrases) {
    if (contains(message, phrase)) return cls;
  }
  if (contains(message, "server closed the connection") || contains(message, "Connection reset")) {
    return ErrorClass::connection_lost;
  }
  return ErrorClass::unknown;
}

ErrorClass classify_sqlstate(std::string_view s) {
  if (s == "57014") return ErrorClass::timeout;  // query_canceled: statement_timeout
  if (s == "55P03") return ErrorClass::lock_timeout;
  if (s == "25006") return ErrorClass::read_only_violation;
  if (s == "53300") return ErrorClass::too_many_connections;
  if (s == "57P03") return ErrorClass::starting_up;
  if (s == "3D000") return ErrorClass::database_missing;
  if (s.starts_with("28")) return ErrorClass::auth;
  if (s.starts_with("08") || s == "57P01" || s == "57P02") return ErrorClass::connection_lost;
  if (s.empty()) return ErrorClass::connection_lost;  // no SQLSTATE: libpq-side failure
  return ErrorClass::query_error;
}

std::string sanitize_message(std::string_view message, std::string_view secret) {
  std::string line(message.substr(0, message.find('\n')));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  if (!secret.empty()) {
    for (auto pos = line.find(secret); pos != std::string::npos; pos = line.find(secret, pos)) {
      line.replace(pos, secret.size(), "***");
      pos += 3;
    }
  }
  return line;
}

}  // namespace opsagent::probes
