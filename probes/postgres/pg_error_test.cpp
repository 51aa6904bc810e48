#include "probes/postgres/pg_error.hpp"

#include <gtest/gtest.h>

namespace opsagent::probes {
namespace {

TEST(ClassifyConnectMessage, MapsLibpqAndServerTexts) {
  EXPECT_EQ(classify_connect_message("connection to server at \"127.0.0.1\", port 5 failed: "
                                     "Connection refused\n\tIs the server running"),
            ErrorClass::refused);
  EXPECT_EQ(classify_connect_message("connection to server at \"127.0.0.1\", port 5 failed: "
                                     "FATAL:  sorry, too many clients already"),
            ErrorClass::too_many_connections);
  EXPECT_EQ(classify_connect_message("FATAL:  remaining connection slots are reserved for "
                                     "non-replication superuser connections"),
            ErrorClass::too_many_connections);
  EXPECT_EQ(classify_connect_message("FATAL:  password authentication failed for user \"app\""),
            ErrorClass::auth);
  EXPECT_EQ(classify_connect_message("FATAL:  role \"ghost\" does not exist"), ErrorClass::auth);
  EXPECT_EQ(classify_connect_message("FATAL:  database \"nope\" does not exist"),
            ErrorClass::database_missing);
  EXPECT_EQ(classify_connect_message("could not translate host name \"db.invalid\" to address"),
            ErrorClass::dns);
  EXPECT_EQ(classify_connect_message("FATAL:  the database system is starting up"),
            ErrorClass::starting_up);
  EXPECT_EQ(classify_connect_message("server closed the connection unexpectedly"),
            ErrorClass::connection_lost);
  EXPECT_EQ(classify_connect_message("something new"), ErrorClass::unknown);
  // PgBouncer's own refusals are the pooler's pressure, not the server's.
  EXPECT_EQ(classify_connect_message("ERROR:  no more connections allowed (max_client_conn)"),
            ErrorClass::pooler_saturated);
  EXPECT_EQ(classify_connect_message("ERROR:  query_wait_timeout"), ErrorClass::pooler_saturated);
}

TEST(ClassifySqlstate, MapsTheCodesTheProbeMeets) {
  EXPECT_EQ(classify_sqlstate("57014"), ErrorClass::timeout);
  EXPECT_EQ(classify_sqlstate("55P03"), ErrorClass::lock_timeout);
  EXPECT_EQ(classify_sqlstate("25006"), ErrorClass::read_only_violation);
  EXPECT_EQ(classify_sqlstate("53300"), ErrorClass::too_many_connections);
  EXPECT_EQ(classify_sqlstate("28P01"), ErrorClass::auth);
  EXPECT_EQ(classify_sqlstate("57P01"), ErrorClass::connection_lost);
  EXPECT_EQ(classify_sqlstate("08006"), ErrorClass::connection_lost);
  EXPECT_EQ(classify_sqlstate("42P01"), ErrorClass::query_error);
}

TEST(SanitizeMessage, KeepsFirstLineAndHidesTheSecret) {
  EXPECT_EQ(sanitize_message("bad hunter2 and hunter2 again\nsecond line", "hunter2"),
            "bad *** and *** again");
  EXPECT_EQ(sanitize_message("nothing to hide  \n", "hunter2"), "nothing to hide");
  EXPECT_EQ(sanitize_message("empty secret keeps text", ""), "empty secret keeps text");
}

TEST(ErrorClassNames, AreStableWords) {
  EXPECT_EQ(to_string(ErrorClass::too_many_connections), "too_many_connections");
  EXPECT_EQ(to_string(ErrorClass::missing_tables), "missing_tables");
  EXPECT_EQ(to_string(CheckStatus::warn), "warn");
}

}  // namespace
}  // namespace opsagent::probes
