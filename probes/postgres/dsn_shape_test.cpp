// Issue 13, finding 5: a DSN whose password has an unencoded "@" leaked the rest of the password
// as the "host" into every display of the target. No display may hold a piece of a password.
#include "probes/postgres/dsn_shape.hpp"

#include <gtest/gtest.h>

#include "probes/postgres/pg_connection.hpp"

namespace opsagent::probes {
namespace {

config::DatabaseSection settings() {
  return config::DatabaseSection{};
}

TEST(DsnShape, AnUnencodedAtInThePasswordIsAConfigErrorNamingTheFix) {
  const auto r =
      make_connection_target("postgresql://atuser:Zq9@SECRET-at@127.0.0.1:5432/db", settings());
  ASSERT_FALSE(r) << "display: " << r->display;
  EXPECT_EQ(r.error().error, ErrorClass::config);
  EXPECT_NE(r.error().message.find("%40"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("$DATABASE_URL"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("SECRET"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("Zq9"), std::string::npos) << r.error().message;
}

TEST(DsnShape, ASlashBeforeTheAtIsAConfigErrorNamingTheFix) {
  const auto r =
      make_connection_target("postgresql://atuser:Zq9/SECRET@127.0.0.1:5432/db", settings());
  ASSERT_FALSE(r) << "display: " << r->display;
  EXPECT_NE(r.error().message.find("%2F"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("SECRET"), std::string::npos) << r.error().message;
}

TEST(DsnShape, EncodedAndUnambiguousUrisPass) {
  for (const char* dsn :
       {"postgresql://atuser:Zq9%40SECRET@127.0.0.1:5432/db",
        "postgresql://atuser:Zq9%2FSECRET@db.internal/app?sslmode=require", "postgres://u@h/db",
        "postgresql:///db?host=/var/run/postgresql", "postgresql://h1:5432,h2:5433/db",
        "postgresql://u:p@[::1]:5432/db", "host=h user=u password=Zq9@SECRET@x dbname=db",
        "host=/tmp dbname=a@b", "postgresql://h/db?user=me@corp"}) {
    EXPECT_TRUE(check_dsn_shape(dsn, "DATABASE_URL")) << dsn;
    const auto target = make_connection_target(dsn, settings());
    ASSERT_TRUE(target) << dsn << ": " << target.error().message;
    EXPECT_EQ(target->display.find("SECRET"), std::string::npos) << target->display;
  }
  const auto encoded =
      make_connection_target("postgresql://atuser:Zq9%40SECRET@127.0.0.1:5432/db", settings());
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded->display, "atuser@127.0.0.1:5432/db");
  EXPECT_EQ(encoded->password, "Zq9@SECRET");
}

// Every character a password generator likes, unencoded, in the password of a URI: either the
// DSN is refused (without quoting it) or the display holds no piece of the password.
TEST(DsnShape, NoDisplayHoldsAPieceOfThePassword) {
  for (const char c : std::string("@/:?#[]&=% !$'()*+,;")) {
    const std::string password = std::string("Zq9") + c + "SECRETxy";
    for (const std::string& dsn :
         {"postgresql://atuser:" + password + "@127.0.0.1:5432/db",
          "postgres://atuser:" + password + "@db.internal/app?sslmode=disable",
          "postgresql://atuser:" + password + "@127.0.0.1"}) {
      const auto r = make_connection_target(dsn, settings());
      const std::string shown = r ? r->display : r.error().message;
      EXPECT_EQ(shown.find("SECRET"), std::string::npos) << "'" << c << "': " << shown;
      EXPECT_EQ(shown.find("Zq9"), std::string::npos) << "'" << c << "': " << shown;
    }
  }
}

TEST(DsnShape, CountsOnlyTheSchemesLibpqRecognises) {
  EXPECT_FALSE(check_dsn_shape("postgresql://a@b@c/d", "X"));
  EXPECT_FALSE(check_dsn_shape("postgres://a@b@c/d", "X"));
  EXPECT_FALSE(check_dsn_shape("postgresql://u:pa/ss@h/db", "X"));
  EXPECT_FALSE(check_dsn_shape("postgresql://u:p@h/d@b", "X"));
  EXPECT_TRUE(check_dsn_shape("postgresql://h/db?user=a@b", "X"));  // a parameter's value
  EXPECT_TRUE(check_dsn_shape("dbname=x user=a@b", "X"));
  EXPECT_TRUE(check_dsn_shape("", "X"));
}

}  // namespace
}  // namespace opsagent::probes
