#include "config/values.hpp"

#include <gtest/gtest.h>

#include <array>

namespace opsagent::config {
namespace {

// The error text of a failed check; on success a text that fails any comparison readably.
template <class T>
std::string error_of(const std::expected<T, std::string>& r) {
  return r ? std::string("<accepted>") : r.error();
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(ParseListen, AcceptsIpv4HostNameAndBracketedIpv6) {
  struct Case {
    std::string_view text, host;
    std::uint16_t port;
  };
  for (const Case& c :
       {Case{"0.0.0.0:8080", "0.0.0.0", 8080}, Case{"127.0.0.1:1", "127.0.0.1", 1},
        Case{"localhost:65535", "localhost", 65535},
        Case{"agent-1.internal:9000", "agent-1.internal", 9000}, Case{"[::]:8080", "::", 8080},
        Case{"[::1]:80", "::1", 80}, Case{"[2001:db8::7]:443", "2001:db8::7", 443}}) {
    const auto r = parse_listen(c.text);
    ASSERT_TRUE(r) << c.text << ": " << r.error();
    EXPECT_EQ(r->host, c.host);
    EXPECT_EQ(r->port, c.port);
  }
}

TEST(ParseListen, ExplainsEachMistake) {
  struct Case {
    std::string_view text, phrase;
  };
  for (const Case& c : {
           Case{"8080", "missing port"},
           Case{"localhost", "missing port"},
           Case{"localhost:", "missing port"},
           Case{":8080", "missing host"},
           Case{"::1:8080", "IPv6 address needs brackets"},
           Case{"[::1]8080", "missing port"},
           Case{"[::1:8080", "missing \"]\""},
           Case{"[zz]:80", "\"zz\" is not an IPv6 address"},
           Case{"[]:80", "missing host"},
           Case{"300.1.1.1:80", "\"300.1.1.1\" is not an IPv4 address"},
           Case{"1.2.3:80", "not an IPv4 address"},
           Case{"my_host:80", "is not a host name"},
           Case{"-bad:80", "is not a host name"},
           Case{"a..b:80", "is not a host name"},
           Case{"localhost:0", "port 0 is out of range"},
           Case{"localhost:65536", "port 65536 is out of range"},
           Case{"localhost:http", "\"http\" is not a port number"},
           Case{"localhost:+80", "not a port number"},
           Case{"localhost:999999", "not a port number"},
       }) {
    const std::string error = error_of(parse_listen(c.text));
    EXPECT_TRUE(contains(error, c.phrase)) << c.text << " -> " << error;
  }
}

TEST(ParsePort, AcceptsOnlyDecimalInRange) {
  EXPECT_EQ(parse_port("1"), 1);
  EXPECT_EQ(parse_port("65535"), 65535);
  EXPECT_EQ(parse_port("08080"), 8080);
  for (const auto* bad : {"", "0", "65536", "-1", " 80", "80 ", "0x50", "8e3"}) {
    EXPECT_FALSE(parse_port(bad)) << bad;
  }
}

TEST(ParseIdentifier, FoldsToLowerCase) {
  EXPECT_EQ(parse_identifier("Permits"), "permits");
  EXPECT_EQ(parse_identifier("_x$1"), "_x$1");
  EXPECT_EQ(parse_identifier(std::string(63, 'a')), std::string(63, 'a'));
}

TEST(ParseIdentifier, RejectsWhatWouldNeedQuoting) {
  EXPECT_TRUE(contains(error_of(parse_identifier("")), "empty"));
  EXPECT_TRUE(contains(error_of(parse_identifier("1abc")), "starts with a digit"));
  EXPECT_TRUE(contains(error_of(parse_identifier("$abc")), "starts with \"$\""));
  EXPECT_TRUE(contains(error_of(parse_identifier("my-table")), "contains \"-\""));
  EXPECT_TRUE(contains(error_of(parse_identifier("my table")), "contains \" \""));
  EXPECT_TRUE(contains(error_of(parse_identifier("\"quoted\"")), "quoted identifiers"));
  EXPECT_TRUE(contains(error_of(parse_identifier("caf\xc3\xa9")), "contains"));
  EXPECT_TRUE(contains(error_of(parse_identifier(std::string(64, 'a'))), "at most 63 bytes"));
}

TEST(ParseTableName, SplitsSchemaAndTable) {
  EXPECT_EQ(parse_table_name("permits"), (TableName{"", "permits"}));
  EXPECT_EQ(parse_table_name("Public.Permits"), (TableName{"public", "permits"}));
  EXPECT_TRUE(contains(error_of(parse_table_name("a.b.c")), "too many \".\""));
  EXPECT_TRUE(contains(error_of(parse_table_name("public.")), "empty"));
  EXPECT_TRUE(contains(error_of(parse_table_name(".permits")), "empty"));
  EXPECT_TRUE(contains(error_of(parse_table_name("public.my-table")), "\"my-table\" contains"));
}

TEST(IsEnvName, FollowsShellRules) {
  EXPECT_TRUE(is_env_name("DATABASE_URL"));
  EXPECT_TRUE(is_env_name("_x1"));
  EXPECT_FALSE(is_env_name(""));
  EXPECT_FALSE(is_env_name("1DB"));
  EXPECT_FALSE(is_env_name("DB-URL"));
  EXPECT_FALSE(is_env_name("postgres://u:p@h/db"));
}

TEST(CheckApplicationName, AllowsPrintableAsciiUpTo63) {
  EXPECT_TRUE(check_application_name("opsagent (staging)"));
  EXPECT_TRUE(check_application_name(std::string(63, 'x')));
  EXPECT_TRUE(contains(error_of(check_application_name("")), "is empty"));
  EXPECT_TRUE(contains(error_of(check_application_name(std::string(64, 'x'))), "64 characters"));
  EXPECT_TRUE(contains(error_of(check_application_name("a\tb")), "position 2"));
  EXPECT_TRUE(contains(error_of(check_application_name("caf\xc3\xa9")), "non-ASCII"));
}

TEST(CheckQuery, AcceptsOneReadOnlyStatement) {
  for (const auto* sql : {
           "SELECT version_num = 'abc123' FROM alembic_version",
           "select true;",
           "  -- leading comment\n SELECT 1 = 1 ;  -- trailing comment",
           "/* a /* nested */ comment */ WITH v AS (SELECT 1) SELECT count(*) = 1 FROM v",
           "SELECT 'a;b' = 'a;b'",
           "SELECT \"weird;name\" FROM t",
           "SELECT $$;$$ = $$;$$",
           "SELECT $tag$ ; $tag$ IS NOT NULL",
           "VALUES (true)",
           "(SELECT true)",
       }) {
    const auto r = check_query(sql);
    EXPECT_TRUE(r) << sql << ": " << error_of(r);
  }
}

TEST(CheckQuery, RejectsCommonMistakes) {
  EXPECT_TRUE(contains(error_of(check_query("")), "is empty"));
  EXPECT_TRUE(contains(error_of(check_query("  -- only a comment")), "is empty"));
  EXPECT_TRUE(contains(error_of(check_query("DELETE FROM t")), "read-only"));
  EXPECT_TRUE(contains(error_of(check_query("selected")), "read-only"));
  EXPECT_TRUE(contains(error_of(check_query("SELECT 1; SELECT 2")), "single statement"));
  EXPECT_TRUE(contains(error_of(check_query("SELECT 1; DROP TABLE t")), "single statement"));
  EXPECT_TRUE(contains(error_of(check_query("SELECT 'open")), "unterminated"));
  EXPECT_TRUE(contains(error_of(check_query("/* open")), "unterminated"));
  EXPECT_TRUE(contains(error_of(check_query("SELECT $x$ open")), "unterminated"));
}

TEST(ParseLog, AcceptsKnownNamesAndHintsNearMisses) {
  for (const auto* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    EXPECT_EQ(parse_log_level(level), level);
  }
  EXPECT_EQ(error_of(parse_log_level("INFO")),
            "\"INFO\" is not a log level; use trace, debug, info, warn, error, critical or off "
            "(did you mean \"info\"?)");
  EXPECT_TRUE(contains(error_of(parse_log_level("warnn")), "did you mean \"warn\"?"));
  EXPECT_FALSE(contains(error_of(parse_log_level("verbose")), "did you mean"));
  EXPECT_EQ(parse_log_format("text"), LogSection::Format::text);
  EXPECT_EQ(parse_log_format("json"), LogSection::Format::json);
  EXPECT_TRUE(contains(error_of(parse_log_format("JSON")), "did you mean \"json\"?"));
}

TEST(ParseOnExit, AcceptsExitAndRestart) {
  EXPECT_EQ(parse_on_exit("exit"), SuperviseSection::OnExit::exit);
  EXPECT_EQ(parse_on_exit("restart"), SuperviseSection::OnExit::restart);
  EXPECT_TRUE(contains(error_of(parse_on_exit("EXIT")), "did you mean \"exit\"?"));
  EXPECT_TRUE(contains(error_of(parse_on_exit("")), "is not an on_exit action"));
}

TEST(ParseDrainingSeconds, WholeSecondsUpTo3600) {
  EXPECT_EQ(parse_draining_seconds("0"), 0);
  EXPECT_EQ(parse_draining_seconds("30"), 30);
  EXPECT_EQ(parse_draining_seconds("0003600"), 3600);
  EXPECT_TRUE(contains(error_of(parse_draining_seconds("3601")), "out of range"));
  EXPECT_TRUE(contains(error_of(parse_draining_seconds(std::string(40, '9'))), "out of range"));
  EXPECT_TRUE(contains(error_of(parse_draining_seconds("-1")), "is negative"));
  EXPECT_TRUE(contains(error_of(parse_draining_seconds("-")), "is not a number"));
  EXPECT_TRUE(contains(error_of(parse_draining_seconds("")), "is not a number"));
  EXPECT_TRUE(contains(error_of(parse_draining_seconds("1e3")), "is not a number"));
}

TEST(HostSyntax, SharedByListenAndUrls) {
  EXPECT_TRUE(is_ipv4("127.0.0.1"));
  EXPECT_FALSE(is_ipv4("127.0.0"));
  EXPECT_TRUE(is_ipv6("::1"));
  EXPECT_FALSE(is_ipv6("[::1]"));
  EXPECT_TRUE(is_host_name("app-1.internal"));
  EXPECT_FALSE(is_host_name("app_1"));
  EXPECT_FALSE(is_host_name(std::string(64, 'a')));
}

TEST(Closest, FindsWithinTwoEdits) {
  const std::array<std::string_view, 3> keys{"interval", "stale_after", "drain"};
  EXPECT_EQ(closest("intervl", keys), "interval");
  EXPECT_EQ(closest("stale-after", keys), "stale_after");
  EXPECT_EQ(closest("drian", keys), "drain");  // transposition = 2 edits
  EXPECT_EQ(closest("listen", keys), std::nullopt);
  EXPECT_EQ(closest("x", keys), std::nullopt);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(InQuotes, EscapesAndShortens) {
  EXPECT_EQ(in_quotes("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(in_quotes("a\nb"), "\"a\\x0ab\"");
  EXPECT_EQ(in_quotes(std::string(100, 'x')), "\"" + std::string(64, 'x') + "...\"");
}

}  // namespace
}  // namespace opsagent::config
