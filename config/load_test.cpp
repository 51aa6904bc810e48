#include "config/load.hpp"
#include "config/test_helpers.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>

namespace opsagent::config {
namespace {

using namespace std::chrono_literals;

// --- defaults -------------------------------------------------------------------------------

TEST(LoadDefaults, EmptyFileGivesEveryDefault) {
  const Config c = loaded("");
  EXPECT_EQ(c.source, "test.toml");
  EXPECT_EQ(c.agent.listen_host, "0.0.0.0");
  EXPECT_EQ(c.agent.listen_port, 8080);
  EXPECT_EQ(c.agent.interval, 2s);
  EXPECT_EQ(c.agent.stale_after, 15s);
  EXPECT_EQ(c.agent.drain, 5s);
  EXPECT_EQ(c.agent.http_threads, 8);
  EXPECT_EQ(c.agent.rate_limit, 10);
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.log.format, LogSection::Format::text);
  EXPECT_EQ(c.database.dsn_env, "DATABASE_URL");
  EXPECT_EQ(c.database.connect_timeout, 3s);
  EXPECT_EQ(c.database.statement_timeout, 5s);
  EXPECT_EQ(c.database.lock_timeout, 1s);
  EXPECT_EQ(c.database.fresh_connect_interval, 5min);
  EXPECT_EQ(c.database.application_name, "opsagent");
  EXPECT_TRUE(c.readiness.expected_tables.empty());
  EXPECT_TRUE(c.readiness.migrations.empty());
  EXPECT_EQ(c.readiness.marker_interval, 30s);
  EXPECT_EQ(c.agent.token_env, "");
  EXPECT_EQ(c.pool.warn, (Threshold{Threshold::Kind::percent, 80}));
  EXPECT_EQ(c.pool.critical, (Threshold{Threshold::Kind::percent, 95}));
  EXPECT_TRUE(c.pool.clients.empty());
  EXPECT_TRUE(c.readiness.http.empty());
  EXPECT_EQ(c.supervise.on_exit, SuperviseSection::OnExit::exit);
  EXPECT_EQ(c.supervise.restart_backoff_max, 30s);
  EXPECT_EQ(c.supervise.stop_timeout, 10s);
  EXPECT_EQ(c.cycle_deadline(), 9s);
}

TEST(LoadDefaults, EmptySectionsAndCommentsChangeNothing) {
  Config expected;
  expected.source = "test.toml";
  EXPECT_EQ(loaded("# nothing\n[agent]\n[log]\n[database]\n[readiness]\n[pool]\n[supervise]\n"),
            expected);
}

// --- every key, valid -------------------------------------------------------------------------

TEST(LoadKeys, ReadsEveryKey) {
  const Config c = loaded(
      "[agent]\n"
      "listen = \"[::1]:9000\"\n"
      "interval = \"500ms\"\n"
      "stale_after = \"1m30s\"\n"
      "drain = \"0s\"\n"
      "http_threads = 2\n"
      "[log]\n"
      "level = \"debug\"\n"
      "format = \"json\"\n"
      "[database]\n"
      "dsn_env = \"PG_DSN\"\n"
      "connect_timeout = \"1s\"\n"
      "statement_timeout = \"30s\"\n"
      "lock_timeout = \"0s\"\n"
      "fresh_connect_interval = \"0s\"\n"
      "application_name = \"opsagent (staging)\"\n"
      "[readiness]\n"
      "expected_tables = [\"Permits\", \"audit.cron_log\"]\n"
      "[[readiness.migrations]]\n"
      "name = \"t\"\n"
      "table = \"page_cache\"\n"
      "[[readiness.migrations]]\n"
      "name = \"c\"\n"
      "table = \"Inspections\"\n"
      "column = \"Score\"\n"
      "[[readiness.migrations]]\n"
      "name = \"q\"\n"
      "query = \"SELECT true\"\n");
  EXPECT_EQ(c.agent.listen_host, "::1");
  EXPECT_EQ(c.agent.listen_port, 9000);
  EXPECT_EQ(c.agent.interval, 500ms);
  EXPECT_EQ(c.agent.stale_after, 90s);
  EXPECT_EQ(c.agent.drain, 0s);
  EXPECT_EQ(c.agent.http_threads, 2);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.format, LogSection::Format::json);
  EXPECT_EQ(c.database.dsn_env, "PG_DSN");
  EXPECT_EQ(c.database.connect_timeout, 1s);
  EXPECT_EQ(c.database.statement_timeout, 30s);
  EXPECT_EQ(c.database.lock_timeout, 0s);
  EXPECT_EQ(c.database.fresh_connect_interval, 0s);
  EXPECT_EQ(c.database.application_name, "opsagent (staging)");
  EXPECT_EQ(c.readiness.expected_tables,
            (std::vector<TableName>{{"", "permits"}, {"audit", "cron_log"}}));
  using Kind = MigrationMarker::Kind;
  EXPECT_EQ(
      c.readiness.migrations,
      (std::vector<MigrationMarker>{
          {.name = "t",
           .kind = Kind::table,
           .table = {"", "page_cache"},
           .column = "",
           .query = ""},
          {.name = "c",
           .kind = Kind::column,
           .table = {"", "inspections"},
           .column = "score",
           .query = ""},
          {.name = "q", .kind = Kind::query, .table = {}, .column = "", .query = "SELECT true"},
      }));
}

TEST(LoadKeys, AcceptsDottedKeysAndInlineTables) {
  const Config c = loaded(
      "agent.interval = \"3s\"\n"
      "readiness.migrations = [{ name = \"a\", table = \"t\" }]\n");
  EXPECT_EQ(c.agent.interval, 3s);
  ASSERT_EQ(c.readiness.migrations.size(), 1u);
  EXPECT_EQ(c.readiness.migrations[0].table.table, "t");
}

TEST(LoadKeys, ListenAcceptsNamesAndAddresses) {
  EXPECT_EQ(loaded("agent.listen = \"localhost:1\"").agent.listen_host, "localhost");
  EXPECT_EQ(loaded("agent.listen = \"[::]:65535\"").agent.listen_port, 65535);
  EXPECT_EQ(loaded("agent.listen = \"[::]:65535\"").agent.listen_host, "::");
  EXPECT_EQ(loaded("agent.listen = \"10.0.0.1:80\"").agent.listen_host, "10.0.0.1");
}

TEST(LoadKeys, SameNameInDifferentSchemasIsNotADuplicate) {
  const Config c = loaded("readiness.expected_tables = [\"permits\", \"public.permits\"]");
  EXPECT_EQ(c.readiness.expected_tables.size(), 2u);
}

// --- syntax, unknown keys, types --------------------------------------------------------------

TEST(LoadErrors, TomlSyntaxErrorHasPosition) {
  const ConfigErrors errors = errors_of("[agent]\ninterval = \n");
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {2, 12, "", "TOML syntax error"}));
  EXPECT_EQ(errors[0].to_string().rfind("test.toml:2:12: TOML syntax error: ", 0), 0u)
      << errors[0].to_string();
}

TEST(LoadErrors, InvalidUtf8IsASyntaxErrorNotAnException) {
  ConfigErrors errors;
  EXPECT_NO_THROW(errors = errors_of("a = \"\xff\"\n"));
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_EQ(errors[0].line, 1);
  EXPECT_NE(errors[0].message.find("TOML syntax error"), std::string::npos);
}

// Found by config/load_fuzz.cpp: toml++ quotes the character it stopped at, here the line break
// after "i", so the message of `opsagent validate` spilled onto a second line.
TEST(LoadErrors, SyntaxErrorMessageStaysOnOneLine) {
  const ConfigErrors errors = errors_of("[readiness]\nexpected_tables = [\"permits\",i\n]\n");
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_NE(errors[0].message.find("TOML syntax error"), std::string::npos);
  EXPECT_EQ(errors[0].message.find_first_of("\n\r"), std::string::npos) << errors[0].message;
  EXPECT_NE(errors[0].message.find("\\x0a"), std::string::npos) << errors[0].message;
}

TEST(LoadErrors, UnknownKeyWithHint) {
  expect_single_error(
      "[agent]\nintervl = \"5s\"\n",
      {2, 1, "agent.intervl", "unknown key 'agent.intervl'; did you mean 'agent.interval'?"});
}

TEST(LoadErrors, UnknownKeyWithoutHintSaysWhatToDo) {
  expect_single_error("[database]\n  password = \"x\"\n",
                      {2, 3, "database.password", "unknown key 'database.password'; remove it"});
}

TEST(LoadErrors, KeyInTheWrongSectionPointsToTheRightOne) {
  expect_single_error("[agent]\nlevel = \"debug\"\n",
                      {2, 1, "agent.level", "did you mean 'log.level'? (it belongs in [log])"});
}

TEST(LoadErrors, UnknownSectionWithHint) {
  expect_single_error("[agnet]\ninterval = \"5s\"\n",
                      {1, 2, "agnet", "unknown section [agnet]; did you mean [agent]?"});
}

TEST(LoadErrors, UnknownSectionWithoutHintListsSections) {
  expect_single_error(
      "\n[metrics]\n",
      {2, 2, "metrics",
       "the sections are [agent], [log], [database], [readiness], [pool], [pgbouncer], "
       "[supervise], [deploy], [alerts], [container] and [locks]"});
}

TEST(LoadErrors, OddKeysAreShownQuotedOnOneLine) {
  expect_single_error("[agent]\n\"inter val\\n\" = 1\n",
                      {2, 1, "agent.\"inter val\\x0a\"", "unknown key 'agent.\"inter val\\x0a\"'"});
}

TEST(LoadErrors, TopLevelKeyPointsToItsSection) {
  expect_single_error("interval = \"5s\"\n",
                      {1, 1, "interval", "did you mean 'agent.interval'? (put it under [agent])"});
}

TEST(LoadErrors, SectionThatIsNotATable) {
  expect_single_error("agent = 5\n", {1, 9, "agent", "expected a table [agent], got integer"});
}

TEST(LoadErrors, WrongTypes) {
  expect_single_error("[agent]\ninterval = 5\n",
                      {2, 12, "agent.interval", "expected a string like \"5s\", got integer"});
  expect_single_error("[agent]\ndrain = 1.5\n",
                      {2, 9, "agent.drain", "expected a string like \"5s\", got float"});
  expect_single_error("[agent]\nhttp_threads = \"8\"\n",
                      {2, 16, "agent.http_threads", "expected an integer like 8, got string"});
  expect_single_error("[log]\nlevel = true\n",
                      {2, 9, "log.level", "expected a string like \"info\", got boolean"});
  expect_single_error("[readiness]\nexpected_tables = \"permits\"\n",
                      {2, 19, "readiness.expected_tables", "expected an array of strings"});
  expect_single_error("[readiness]\nexpected_tables = [\"a\", 1]\n",
                      {2, 25, "readiness.expected_tables[1]", "got integer"});
  expect_single_error("[readiness.migrations]\nname = \"x\"\n",
                      {1, 1, "readiness.migrations", "expected an array of tables"});
  expect_single_error("[readiness]\nmigrations = [\"x\"]\n",
                      {2, 15, "readiness.migrations[0]", "expected a table"});
}

// --- single values ----------------------------------------------------------------------------

TEST(LoadErrors, BadDurationNamesKeyValueAndFix) {
  const ConfigErrors errors = errors_of("[agent]\ninterval = \"5x\"\n");
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_EQ(errors[0].to_string(),
            "test.toml:2:12: agent.interval: \"5x\" is not a duration: unknown unit \"x\" "
            "(use ms, s, m or h)");
}

struct RangeCase {
  std::string_view key;    // dotted
  std::string_view value;  // TOML text
  bool in_range;
};

// Each duration and integer key at and just beyond its limits.
TEST(LoadErrors, RangesAreEnforcedAtTheBoundaries) {
  const RangeCase cases[] = {
      {"agent.interval", "\"99ms\"", false},
      {"agent.interval", "\"100ms\"", true},
      {"agent.interval", "\"1h\"", true},
      {"agent.interval", "\"1h1ms\"", false},
      {"agent.stale_after", "\"999ms\"", false},
      {"agent.stale_after", "\"1s\"", true},
      {"agent.stale_after", "\"1h\"", true},
      {"agent.stale_after", "\"1h1ms\"", false},
      {"agent.drain", "\"0s\"", true},
      {"agent.drain", "\"15m\"", true},
      {"agent.drain", "\"15m1ms\"", false},
      {"agent.http_threads", "0", false},
      {"agent.http_threads", "1", true},
      {"agent.http_threads", "256", true},
      {"agent.http_threads", "257", false},
      {"agent.http_threads", "-1", false},
      {"agent.rate_limit", "0", true},
      {"agent.rate_limit", "10000", true},
      {"agent.rate_limit", "10001", false},
      {"agent.rate_limit", "-1", false},
      {"database.connect_timeout", "\"99ms\"", false},
      {"database.connect_timeout", "\"100ms\"", true},
      {"database.connect_timeout", "\"60s\"", true},
      {"database.connect_timeout", "\"60001ms\"", false},
      {"database.statement_timeout", "\"99ms\"", false},
      {"database.statement_timeout", "\"100ms\"", true},
      {"database.statement_timeout", "\"10m\"", true},
      {"database.statement_timeout", "\"10m1ms\"", false},
      {"database.lock_timeout", "\"0s\"", true},
      {"database.lock_timeout", "\"10m\"", true},
      {"database.lock_timeout", "\"10m1ms\"", false},
      {"database.fresh_connect_interval", "\"0s\"", true},
      {"database.fresh_connect_interval", "\"1ms\"", false},
      {"database.fresh_connect_interval", "\"999ms\"", false},
      {"database.fresh_connect_interval", "\"1s\"", true},
      {"database.fresh_connect_interval", "\"1h\"", true},
      {"database.fresh_connect_interval", "\"1h1ms\"", false},
      {"readiness.marker_interval", "\"0s\"", true},
      {"readiness.marker_interval", "\"99ms\"", false},
      {"readiness.marker_interval", "\"100ms\"", true},
      {"readiness.marker_interval", "\"1h\"", true},
      {"readiness.marker_interval", "\"1h1ms\"", false},
  };
  for (const RangeCase& c : cases) {
    const std::string toml = std::string(c.key) + " = " + std::string(c.value) + "\n";
    auto r = load_config_string(toml, "test.toml", no_env());
    // Cross-key rules may still object to a value in range; only range errors matter here.
    bool range_error = false;
    if (!r) {
      for (const auto& e : r.error()) {
        if (e.key == c.key && e.message.find("out of range") != std::string::npos) {
          range_error = true;
          EXPECT_EQ(e.line, 1);
          EXPECT_EQ(e.column, int(c.key.size()) + 4) << e.to_string();
        }
      }
    }
    EXPECT_EQ(range_error, !c.in_range) << toml;
  }
}

TEST(LoadErrors, RangeMessagesSayWhatIsAllowed) {
  expect_single_error(
      "[agent]\ninterval = \"50ms\"\n",
      {2, 12, "agent.interval", "\"50ms\" is out of range; use a duration from 100ms to 1h"});
  expect_single_error(
      "[database]\nfresh_connect_interval = \"500ms\"\n",
      {2, 26, "database.fresh_connect_interval", "use 0s (off) or a duration from 1s to 1h"});
  expect_single_error(
      "[agent]\nhttp_threads = 1000\n",
      {2, 16, "agent.http_threads", "1000 is out of range; use an integer from 1 to 256"});
}

TEST(LoadErrors, BadListen) {
  expect_single_error("[agent]\nlisten = \"::1:8080\"\n",
                      {2, 10, "agent.listen",
                       "\"::1:8080\" is not a listen address: an IPv6 address needs brackets"});
  expect_single_error("[agent]\nlisten = \"8080\"\n", {2, 10, "agent.listen", "missing port"});
  expect_single_error("[agent]\nlisten = \"0.0.0.0:0\"\n",
                      {2, 10, "agent.listen", "port 0 is out of range"});
}

TEST(LoadErrors, BadLogSettings) {
  expect_single_error("[log]\nlevel = \"warning\"\n",
                      {2, 9, "log.level", "\"warning\" is not a log level; use trace, debug"});
  expect_single_error("[log]\nformat = \"logfmt\"\n",
                      {2, 10, "log.format", "\"logfmt\" is not a log format; use text or json"});
}

TEST(LoadErrors, BadDsnEnvNeverEchoesTheValue) {
  const ConfigErrors errors =
      errors_of("[database]\ndsn_env = \"postgresql://app:s3cret@db/app\"\n");
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {2, 11, "database.dsn_env", "not an environment variable name"}));
  EXPECT_EQ(errors[0].to_string().find("s3cret"), std::string::npos) << errors[0].to_string();
}

TEST(LoadErrors, BadApplicationName) {
  expect_single_error("[database]\napplication_name = \"\"\n",
                      {2, 20, "database.application_name", "is empty"});
}

TEST(LoadErrors, BadTableIdentifier) {
  expect_single_error("[readiness]\nexpected_tables = [\"permits\", \"public.my-table\"]\n",
                      {2, 31, "readiness.expected_tables[1]",
                       "\"public.my-table\" is not a table name: \"my-table\" contains \"-\""});
}

TEST(LoadErrors, DuplicateTableAfterCaseFolding) {
  expect_single_error("[readiness]\nexpected_tables = [\n  \"permits\",\n  \"Permits\",\n]\n",
                      {4, 3, "readiness.expected_tables[1]",
                       "\"Permits\" is listed twice (first at line 3, column 3"});
}

// --- migration markers ------------------------------------------------------------------------

TEST(LoadMarkers, DuplicateName) {
  expect_single_error(
      "[[readiness.migrations]]\n"
      "name = \"a\"\n"
      "table = \"t\"\n"
      "\n"
      "[[readiness.migrations]]\n"
      "name = \"a\"\n"
      "query = \"SELECT true\"\n",
      {6, 8, "readiness.migrations[1].name",
       "marker name \"a\" is already used by readiness.migrations[0] (line 2)"});
}

TEST(LoadMarkers, MarkerWithoutKindKeys) {
  expect_single_error(
      "[readiness]\n[[readiness.migrations]]\nname = \"x\"\n",
      {2, 1, "readiness.migrations[0]", "a marker needs `table`, `table`+`column`, or `query`"});
}

TEST(LoadMarkers, QueryMarkerWithTable) {
  expect_single_error(
      "[[readiness.migrations]]\n"
      "name = \"x\"\n"
      "query = \"SELECT true\"\n"
      "table = \"t\"\n",
      {4, 9, "readiness.migrations[0].table", "`table` is not allowed in a query marker"});
}

TEST(LoadMarkers, ColumnMarkerWithoutTable) {
  expect_single_error(
      "[[readiness.migrations]]\n"
      "name = \"x\"\n"
      "column = \"score\"\n",
      {1, 1, "readiness.migrations[0].table",
       "missing `table`: a column marker needs the table that has the column"});
}

TEST(LoadMarkers, MissingName) {
  expect_single_error("[[readiness.migrations]]\ntable = \"t\"\n",
                      {1, 1, "readiness.migrations[0].name", "missing `name`"});
}

TEST(LoadMarkers, EmptyNameAndEmptyQuery) {
  expect_single_error("[[readiness.migrations]]\nname = \"\"\ntable = \"t\"\n",
                      {2, 8, "readiness.migrations[0].name", "is empty"});
  expect_single_error("[[readiness.migrations]]\nname = \"q\"\nquery = \"  \"\n",
                      {3, 9, "readiness.migrations[0].query", "the query is empty"});
}

TEST(LoadMarkers, QueryMustBeOneReadOnlyStatement) {
  expect_single_error(
      "[[readiness.migrations]]\nname = \"q\"\nquery = \"SELECT true; DROP TABLE x\"\n",
      {3, 9, "readiness.migrations[0].query", "single statement"});
  expect_single_error("[[readiness.migrations]]\nname = \"q\"\nquery = \"DELETE FROM x\"\n",
                      {3, 9, "readiness.migrations[0].query", "read-only"});
}

TEST(LoadMarkers, BadColumnIdentifier) {
  expect_single_error("[[readiness.migrations]]\nname = \"c\"\ntable = \"t\"\ncolumn = \"1st\"\n",
                      {4, 10, "readiness.migrations[0].column",
                       "\"1st\" is not a column name: \"1st\" starts with a digit"});
}

TEST(LoadMarkers, ExplicitKindMustAgree) {
  expect_single_error(
      "[[readiness.migrations]]\nname = \"x\"\nkind = \"table\"\ntable = \"t\"\n"
      "query = \"SELECT true\"\n",
      {5, 9, "readiness.migrations[0].query",
       "`query` is not allowed in a table marker (kind = \"table\"); remove `query` or change "
       "`kind`"});
  expect_single_error("[[readiness.migrations]]\nname = \"x\"\nkind = \"query\"\n",
                      {1, 1, "readiness.migrations[0].query",
                       "missing `query`: a query marker (kind = \"query\") needs"});
  expect_single_error("[[readiness.migrations]]\nname = \"x\"\nkind = \"tables\"\ntable = \"t\"\n",
                      {3, 8, "readiness.migrations[0].kind", "\"tables\" is not a marker kind"});
}

TEST(LoadMarkers, ExplicitKindThatAgreesIsAccepted) {
  const Config c = loaded(
      "[[readiness.migrations]]\nname = \"x\"\nkind = \"column\"\ntable = \"t\"\ncolumn = \"c\"\n");
  ASSERT_EQ(c.readiness.migrations.size(), 1u);
  EXPECT_EQ(c.readiness.migrations[0].kind, MigrationMarker::Kind::column);
}

TEST(LoadMarkers, UnknownMarkerKeyWithHint) {
  const ConfigErrors errors = errors_of("[[readiness.migrations]]\nname = \"x\"\ntabel = \"t\"\n");
  ASSERT_EQ(errors.size(), 2u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {1, 1, "readiness.migrations[0]", "a marker needs"}));
  EXPECT_TRUE(matches(errors[1], {3, 1, "readiness.migrations[0].tabel",
                                  "did you mean 'readiness.migrations[0].table'?"}));
}

// --- agent.token_env ------------------------------------------------------------------------

TEST(LoadTokenEnv, NameOrEmpty) {
  EXPECT_EQ(loaded("[agent]\ntoken_env = \"OPSAGENT_TOKEN\"\n").agent.token_env, "OPSAGENT_TOKEN");
  EXPECT_EQ(loaded("[agent]\ntoken_env = \"_t1\"\n").agent.token_env, "_t1");
  EXPECT_EQ(loaded("[agent]\ntoken_env = \"\"\n").agent.token_env, "");
}

TEST(LoadTokenEnv, BadNameNeverEchoesTheValue) {
  const ConfigErrors errors = errors_of("[agent]\ntoken_env = \"Bearer abc123secret\"\n");
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {2, 13, "agent.token_env",
                                  "not an environment variable name (letters, digits and _, not "
                                  "starting with a digit); write the name of the variable that "
                                  "holds the token, e.g. \"OPSAGENT_TOKEN\""}));
  EXPECT_EQ(errors[0].to_string().find("abc123secret"), std::string::npos) << errors[0].to_string();
  expect_single_error("[agent]\ntoken_env = \"1TOKEN\"\n",
                      {2, 13, "agent.token_env", "not an environment variable name"});
  expect_single_error(
      "[agent]\ntoken_env = true\n",
      {2, 13, "agent.token_env", "expected a string like \"OPSAGENT_TOKEN\", got boolean"});
}

// --- pool thresholds --------------------------------------------------------------------------

TEST(LoadPoolThresholds, EveryFormForBothKeys) {
  using Kind = Threshold::Kind;
  struct Case {
    std::string_view toml;  // the value as written
    Threshold want;
  };
  const Case cases[] = {
      {"\"80%\"", {Kind::percent, 80}},
      {"\"92.5%\"", {Kind::percent, 92.5}},
      {"\"100%\"", {Kind::percent, 100}},
      {"85", {Kind::count, 85}},
      {"1", {Kind::count, 1}},
      {"\"-5\"", {Kind::slots_left, 5}},
      {"\"-0\"", {Kind::slots_left, 0}},
  };
  for (const Case& c : cases) {
    // The other key gets a different form, so that the order rule stays out of the way.
    const std::string other = c.want.kind == Kind::percent ? "1" : "\"1%\"";
    for (const bool as_warn : {true, false}) {
      const std::string toml = "[pool]\n" + std::string(as_warn ? "warn" : "critical") + " = " +
                               std::string(c.toml) + "\n" + (as_warn ? "critical" : "warn") +
                               " = " + other + "\n";
      const Config config = loaded(toml);
      EXPECT_EQ(as_warn ? config.pool.warn : config.pool.critical, c.want) << toml;
    }
  }
}

TEST(LoadPoolThresholds, EachMistakeIsExplained) {
  struct Case {
    std::string_view toml;
    std::string_view phrase;
  };
  const Case cases[] = {
      {"\"0%\"", "\"0%\" is out of range; a percentage must be above 0% and at most 100%"},
      {"\"101%\"", "\"101%\" is out of range; a percentage must be above 0% and at most 100%"},
      {"\"80 %\"", "\"80 %\" is not a percentage"},
      {"0", "0 is out of range; a count of connections in use must be at least 1"},
      {"-5",
       "-5 is not a count of connections; to mean at most 5 usable slots left, write it in "
       "quotes: \"-5\""},
      {"262144", "262144 is out of range; Postgres allows at most 262143 connections"},
      {"\"5\"",
       "\"5\" is a number in quotes; write 5 without quotes for a count of connections in use, "
       "\"-5\" for at most 5 slots left, or \"5%\" for a percentage"},
      {"\"-x\"", "\"-x\" is not a number of slots left; write a minus sign and a whole number"},
      {"\"-5.5\"", "\"-5.5\" is not a number of slots left"},
      {"\"\"", "the threshold is empty"},
      {"\"high\"", "\"high\" is not a threshold; use \"80%\" (a percentage of the usable slots)"},
      {"0.8",
       "expected \"80%\" (a percentage of the usable slots), an integer like 85 (connections in "
       "use) or \"-5\" (at most 5 usable slots left), got float; a fraction like 0.8 is written "
       "as a percentage: \"80%\""},
      {"true",
       "an integer like 85 (connections in use) or \"-5\" (at most 5 usable slots left), "
       "got boolean"},
      {"[80]", "got array"},
  };
  for (const Case& c : cases) {
    expect_single_error("[pool]\nwarn = " + std::string(c.toml) + "\n",
                        {2, 8, "pool.warn", c.phrase});
  }
  expect_single_error("[pool]\ncritical = 0.95\n", {2, 12, "pool.critical", "got float"});
}

TEST(LoadPoolThresholds, CriticalMustComeAfterWarnInTheSameForm) {
  expect_single_error("[pool]\nwarn = \"90%\"\ncritical = \"90%\"\n",
                      {3, 12, "pool.critical",
                       "pool.critical (\"90%\") is not above pool.warn (\"90%\"), so warn could "
                       "never be reported before critical; raise pool.critical or lower "
                       "pool.warn"});
  // Only warn was changed, past the default critical: the error points at what the file set.
  expect_single_error("[pool]\nwarn = \"96%\"\n",
                      {2, 8, "pool.critical", "pool.critical (\"95%\") is not above pool.warn"});
  expect_single_error("[pool]\nwarn = 90\ncritical = 80\n",
                      {3, 12, "pool.critical", "pool.critical (80) is not above pool.warn (90)"});
  expect_single_error("[pool]\nwarn = \"-3\"\ncritical = \"-5\"\n",
                      {3, 12, "pool.critical",
                       "pool.critical (\"-5\") does not leave fewer slots than pool.warn (\"-3\"), "
                       "so warn could never be reported before critical; use fewer slots left "
                       "for pool.critical or more for pool.warn"});
  expect_single_error("[pool]\nwarn = \"-0\"\ncritical = \"-0\"\n",
                      {3, 12, "pool.critical", "does not leave fewer slots than"});
  loaded("[pool]\nwarn = \"95%\"\ncritical = \"95.5%\"\n");
  loaded("[pool]\nwarn = 85\ncritical = 86\n");
  loaded("[pool]\nwarn = \"-5\"\ncritical = \"-4\"\n");
  loaded("[pool]\nwarn = \"-1\"\ncritical = \"-0\"\n");
}

TEST(LoadPoolThresholds, MixedFormsAreNotCompared) {
  // Which comes first depends on max_connections, which only the server knows.
  loaded("[pool]\nwarn = \"80%\"\ncritical = \"-3\"\n");
  loaded("[pool]\nwarn = \"-3\"\ncritical = \"10%\"\n");
  loaded("[pool]\nwarn = 90\ncritical = \"50%\"\n");
  loaded("[pool]\nwarn = \"99%\"\ncritical = 10\n");
}

TEST(LoadPoolThresholds, OrderRuleSkippedWhenAThresholdIsWrong) {
  expect_single_error("[pool]\nwarn = \"96%\"\ncritical = \"x\"\n",
                      {3, 12, "pool.critical", "\"x\" is not a threshold"});
}

// --- pool clients -----------------------------------------------------------------------------

TEST(LoadPoolClients, ReadsEveryKey) {
  const Config c = loaded(
      "[[pool.clients]]\n"
      "name = \"web\"\n"
      "application_name = \"web:*\"\n"
      "instances = 4\n"
      "pool_max = 20\n"
      "\n"
      "[[pool.clients]]\n"
      "name = \"cron job\"\n"
      "application_name = \"cron?\"\n"
      "pool_max = 10000\n");
  EXPECT_EQ(
      c.pool.clients,
      (std::vector<PoolClient>{
          {.name = "web", .application_name = "web:*", .instances = 4, .pool_max = 20},
          {.name = "cron job", .application_name = "cron?", .instances = 1, .pool_max = 10000}}));
}

TEST(LoadPoolClients, AcceptsInlineTablesAndLimits) {
  const Config c = loaded(
      "pool.clients = [{ name = \"a\", application_name = \"*\", instances = 1000, "
      "pool_max = 1 }]\n");
  ASSERT_EQ(c.pool.clients.size(), 1u);
  EXPECT_EQ(c.pool.clients[0].instances, 1000);
  EXPECT_EQ(c.pool.clients[0].pool_max, 1);
}

TEST(LoadPoolClients, MissingRequiredKeys) {
  const ConfigErrors errors = errors_of("[[pool.clients]]\ninstances = 2\n");
  ASSERT_EQ(errors.size(), 3u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {1, 1, "pool.clients[0].name",
                                  "missing `name`: give every client a unique name, e.g. name = "
                                  "\"web\""}));
  EXPECT_TRUE(matches(errors[1], {1, 1, "pool.clients[0].application_name",
                                  "missing `application_name`: the pattern that finds this "
                                  "client's sessions in pg_stat_activity"}));
  EXPECT_TRUE(matches(errors[2], {1, 1, "pool.clients[0].pool_max",
                                  "missing `pool_max`: the most connections one instance's pool "
                                  "may open"}));
}

TEST(LoadPoolClients, EachMissingKeyAlone) {
  expect_single_error("[[pool.clients]]\napplication_name = \"web:*\"\npool_max = 20\n",
                      {1, 1, "pool.clients[0].name", "missing `name`"});
  expect_single_error("[[pool.clients]]\nname = \"web\"\npool_max = 20\n",
                      {1, 1, "pool.clients[0].application_name", "missing `application_name`"});
  expect_single_error(
      "[[pool.clients]]\nname = \"web\"\napplication_name = \"web:*\"\npool_max = 20\n"
      "\n"
      "  [[pool.clients]]\nname = \"cron\"\napplication_name = \"cron\"\n",
      {6, 3, "pool.clients[1].pool_max", "missing `pool_max`"});
}

TEST(LoadPoolClients, DuplicateName) {
  expect_single_error(
      "[[pool.clients]]\n"
      "name = \"web\"\n"
      "application_name = \"web:*\"\n"
      "pool_max = 20\n"
      "\n"
      "[[pool.clients]]\n"
      "name = \"web\"\n"
      "application_name = \"api:*\"\n"
      "pool_max = 10\n",
      {7, 8, "pool.clients[1].name",
       "client name \"web\" is already used by pool.clients[0] (line 2); give each client its "
       "own name"});
}

TEST(LoadPoolClients, IntegerRanges) {
  const std::string head = "[[pool.clients]]\nname = \"w\"\napplication_name = \"w\"\n";
  expect_single_error(
      head + "instances = 0\npool_max = 1\n",
      {4, 13, "pool.clients[0].instances", "0 is out of range; use an integer from 1 to 1000"});
  expect_single_error(head + "instances = 1001\npool_max = 1\n",
                      {4, 13, "pool.clients[0].instances", "1001 is out of range"});
  expect_single_error(head + "pool_max = 0\n", {4, 12, "pool.clients[0].pool_max",
                                                "0 is out of range; use an integer from 1 to "
                                                "10000"});
  expect_single_error(head + "pool_max = 10001\n",
                      {4, 12, "pool.clients[0].pool_max", "10001 is out of range"});
  expect_single_error(head + "pool_max = \"20\"\n", {4, 12, "pool.clients[0].pool_max",
                                                     "expected an integer like 20, got string"});
  expect_single_error(
      head + "pool_max = 1\ninstances = 2.0\n",
      {5, 13, "pool.clients[0].instances", "expected an integer like 4, got float"});
}

TEST(LoadPoolClients, BadNamesAndPatterns) {
  expect_single_error("[[pool.clients]]\nname = \"\"\napplication_name = \"w\"\npool_max = 1\n",
                      {2, 8, "pool.clients[0].name", "client name \"\" is empty"});
  expect_single_error(
      "[[pool.clients]]\nname = \"w\"\napplication_name = \"web:\u00e9\"\npool_max = 1\n",
      {3, 20, "pool.clients[0].application_name",
       "has a non-printable or non-ASCII character at position 5; use 1 to 63 printable ASCII "
       "characters (* and ? are wildcards)"});
  expect_single_error("[[pool.clients]]\nname = \"w\"\napplication_name = \"" +
                          std::string(64, 'a') + "\"\npool_max = 1\n",
                      {3, 20, "pool.clients[0].application_name", "is 64 characters long"});
  expect_single_error(
      "[[pool.clients]]\nname = 7\napplication_name = \"w\"\npool_max = 1\n",
      {2, 8, "pool.clients[0].name", "expected a string like \"web\", got integer"});
}

TEST(LoadPoolClients, UnknownKeysGetHints) {
  const std::string head = "[[pool.clients]]\nname = \"w\"\napplication_name = \"w\"\n";
  expect_single_error(head + "pool_max = 1\ninstance = 2\n",
                      {5, 1, "pool.clients[0].instance",
                       "unknown key 'pool.clients[0].instance'; did you mean "
                       "'pool.clients[0].instances'?"});
  expect_single_error(head + "pool_max = 1\nsize = 2\n",
                      {5, 1, "pool.clients[0].size",
                       "unknown key 'pool.clients[0].size'; remove it (see config/example.toml "
                       "for the keys of [[pool.clients]])"});
  // A misspelt required key is both unknown and missing.
  const ConfigErrors errors = errors_of(head + "poolmax = 20\n");
  ASSERT_EQ(errors.size(), 2u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {1, 1, "pool.clients[0].pool_max", "missing `pool_max`"}));
  EXPECT_TRUE(matches(
      errors[1], {4, 1, "pool.clients[0].poolmax", "did you mean 'pool.clients[0].pool_max'?"}));
}

TEST(LoadPoolClients, EntryKeyWrittenInTheSectionPointsToTheBlock) {
  expect_single_error("[pool]\npool_max = 20\n",
                      {2, 1, "pool.pool_max",
                       "unknown key 'pool.pool_max'; `pool_max` belongs in a [[pool.clients]] "
                       "block"});
  // Not database.application_name: under [pool] it can only be a client's.
  expect_single_error("[pool]\napplication_name = \"web:*\"\n",
                      {2, 1, "pool.application_name", "belongs in a [[pool.clients]] block"});
  expect_single_error("[readiness]\nquery = \"SELECT true\"\n",
                      {2, 1, "readiness.query", "belongs in a [[readiness.migrations]] block"});
  expect_single_error("[agent]\nwarn = \"80%\"\n",
                      {2, 1, "agent.warn", "did you mean 'pool.warn'? (it belongs in [pool])"});
}

TEST(LoadPoolClients, WrongShapes) {
  expect_single_error("[pool.clients]\nname = \"x\"\n",
                      {1, 1, "pool.clients",
                       "expected an array of tables (write each client as "
                       "a [[pool.clients]] block), got table"});
  expect_single_error("pool.clients = [\"web\"]\n",
                      {1, 17, "pool.clients[0]",
                       "expected a table with `name`, `application_name` and `pool_max`, got "
                       "string"});
}

// --- readiness.http ---------------------------------------------------------------------------

TEST(LoadHttpChecks, ReadsEveryKeyAndDefaults) {
  const Config c = loaded(
      "[[readiness.http]]\n"
      "name = \"app\"\n"
      "url = \"http://localhost:8000/healthz\"\n"
      "expect_status = 204\n"
      "timeout = \"500ms\"\n"
      "\n"
      "[[readiness.http]]\n"
      "name = \"root\"\n"
      "url = \"http://127.0.0.1\"\n");
  EXPECT_EQ(c.readiness.http,
            (std::vector<HttpCheck>{{.name = "app",
                                     .url = "http://localhost:8000/healthz",
                                     .expect_status = 204,
                                     .timeout = 500ms},
                                    {.name = "root",
                                     .url = "http://127.0.0.1/",  // the path defaults to "/"
                                     .expect_status = 200,
                                     .timeout = 2s}}));
  // The HTTP checks run beside the database probe: they add nothing to its deadline.
  EXPECT_EQ(c.cycle_deadline(), 3s + 5s + 1s);
}

TEST(LoadHttpChecks, AcceptsInlineTablesAndLimits) {
  const Config c = loaded(
      "readiness.http = [{ name = \"a\", url = \"http://[::1]:9/x\", expect_status = 100, "
      "timeout = \"100ms\" }, { name = \"b\", url = \"http://h\", expect_status = 599 }]\n");
  ASSERT_EQ(c.readiness.http.size(), 2u);
  EXPECT_EQ(c.readiness.http[0].url, "http://[::1]:9/x");
  EXPECT_EQ(c.readiness.http[0].expect_status, 100);
  EXPECT_EQ(c.readiness.http[0].timeout, 100ms);
  EXPECT_EQ(c.readiness.http[1].expect_status, 599);
  EXPECT_EQ(loaded("[agent]\nstale_after = \"2m\"\n[[readiness.http]]\nname = \"a\"\n"
                   "url = \"http://h\"\ntimeout = \"60s\"\n")
                .readiness.http[0]
                .timeout,
            60s);
}

TEST(LoadHttpChecks, UrlForms) {
  const auto url_of = [](std::string_view url) {
    const Config c =
        loaded("[[readiness.http]]\nname = \"a\"\nurl = \"" + std::string(url) + "\"\n");
    return c.readiness.http.empty() ? std::string("<none>") : c.readiness.http[0].url;
  };
  EXPECT_EQ(url_of("http://localhost:8000/healthz"), "http://localhost:8000/healthz");
  EXPECT_EQ(url_of("http://127.0.0.1"), "http://127.0.0.1/");
  EXPECT_EQ(url_of("http://[::1]:9/x"), "http://[::1]:9/x");
  EXPECT_EQ(url_of("http://app.internal:8000/health?full=1"),
            "http://app.internal:8000/health?full=1");
  EXPECT_EQ(url_of("http://localhost:8000?x=1"), "http://localhost:8000/?x=1");
}

TEST(LoadHttpChecks, UrlMistakesAreExplained) {
  struct Case {
    std::string_view url;
    std::string_view phrase;
  };
  const Case cases[] = {
      {"https://localhost:8443/healthz",
       "not a usable check URL: https is not supported for these local checks"},
      {"ftp://localhost/x", "the scheme \"ftp\" is not supported, only http"},
      {"localhost:8000/healthz", "missing \"http://\" at the start"},
      {"", "the URL is empty"},
      {"http://", "missing host"},
      {"http://:8000/healthz", "missing host"},
      {"http:///healthz", "missing host"},
      {"http://localhost:0/", "port 0 is out of range; use an integer from 1 to 65535"},
      {"http://localhost:65536/", "port 65536 is out of range"},
      {"http://localhost:http/", "\"http\" is not a port number"},
      {"http://localhost:/", "missing port after \":\""},
      {"http://::1:8000/", "an IPv6 address needs brackets"},
      {"http://[::1/", "missing \"]\" after the IPv6 address"},
      {"http://[zz]:80/", "\"zz\" is not an IPv6 address"},
      {"http://300.1.1.1/", "\"300.1.1.1\" is not an IPv4 address"},
      {"http://my_app/", "\"my_app\" is not a host name"},
      {"http://localhost/health check", "position 8; percent-encode it (a space is %20)"},
      {"http://localhost/x#top", "a fragment (\"#...\") is never sent to the server"},
      {"http://localhost/100%", "must start an escape of two hex digits"},
  };
  for (const Case& c : cases) {
    expect_single_error("[[readiness.http]]\nname = \"a\"\nurl = \"" + std::string(c.url) + "\"\n",
                        {3, 7, "readiness.http[0].url", c.phrase});
  }
  expect_single_error("[[readiness.http]]\nname = \"a\"\nurl = 8000\n",
                      {3, 7, "readiness.http[0].url",
                       "expected a string like \"http://127.0.0.1:8000/healthz\", got integer"});
}

TEST(LoadHttpChecks, HttpsErrorSaysHttpsIsNotSupported) {
  const ConfigErrors errors =
      errors_of("[[readiness.http]]\nname = \"a\"\nurl = \"https://localhost/healthz\"\n");
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_EQ(errors[0].to_string(),
            "test.toml:3:7: readiness.http[0].url: not a usable check URL: https is not supported "
            "for these local checks: the agent calls the app in its own container or host over "
            "plain HTTP, so use http:// and the app's local port, e.g. "
            "\"http://127.0.0.1:8000/healthz\"");
}

TEST(LoadHttpChecks, UserInfoIsRefusedWithoutEchoingThePassword) {
  for (const auto* url :
       {"http://user:hunter2@localhost:8000/healthz", "https://user:hunter2@localhost/",
        "http://user:hun/ter2@localhost/", "http://user:hunter2@:99999/"}) {
    const ConfigErrors errors =
        errors_of("[[readiness.http]]\nname = \"a\"\nurl = \"" + std::string(url) + "\"\n");
    ASSERT_EQ(errors.size(), 1u) << url << dump(errors);
    EXPECT_EQ(errors[0].key, "readiness.http[0].url");
    EXPECT_EQ(errors[0].to_string().find("hunter2"), std::string::npos) << errors[0].to_string();
    EXPECT_EQ(errors[0].to_string().find("ter2"), std::string::npos) << errors[0].to_string();
  }
  expect_single_error("[[readiness.http]]\nname = \"a\"\nurl = \"http://u:pw@localhost/\"\n",
                      {3, 7, "readiness.http[0].url",
                       "a user name or password (\"user:password@\" before the host) is not "
                       "allowed; remove it"});
}

TEST(LoadHttpChecks, MissingRequiredKeys) {
  const ConfigErrors errors = errors_of("[readiness]\n\n[[readiness.http]]\ntimeout = \"1s\"\n");
  ASSERT_EQ(errors.size(), 2u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {3, 1, "readiness.http[0].name",
                                  "missing `name`: give every check a unique name, e.g. name = "
                                  "\"app\""}));
  EXPECT_TRUE(matches(errors[1], {3, 1, "readiness.http[0].url",
                                  "missing `url`: the app's health endpoint, e.g. url = "
                                  "\"http://127.0.0.1:8000/healthz\""}));
}

TEST(LoadHttpChecks, DuplicateName) {
  expect_single_error(
      "[[readiness.http]]\n"
      "name = \"app\"\n"
      "url = \"http://localhost:8000/healthz\"\n"
      "\n"
      "[[readiness.http]]\n"
      "name = \"app\"\n"
      "url = \"http://localhost:8001/healthz\"\n",
      {6, 8, "readiness.http[1].name",
       "check name \"app\" is already used by readiness.http[0] (line 2); give each check its "
       "own name"});
  // Marker names are another namespace: "http:app" cannot clash with a marker.
  loaded(
      "[[readiness.migrations]]\nname = \"app\"\ntable = \"t\"\n"
      "[[readiness.http]]\nname = \"app\"\nurl = \"http://h/\"\n");
}

TEST(LoadHttpChecks, BadNames) {
  const std::string tail = "url = \"http://h/\"\n";
  expect_single_error("[[readiness.http]]\nname = \"\"\n" + tail,
                      {2, 8, "readiness.http[0].name", "check name \"\" is empty"});
  expect_single_error(
      "[[readiness.http]]\nname = \"" + std::string(64, 'a') + "\"\n" + tail,
      {2, 8, "readiness.http[0].name", "is 64 characters long; use 1 to 63 printable ASCII"});
  expect_single_error("[[readiness.http]]\nname = \"a\\tb\"\n" + tail,
                      {2, 8, "readiness.http[0].name", "non-printable or non-ASCII character"});
  expect_single_error(
      "[[readiness.http]]\nname = 1\n" + tail,
      {2, 8, "readiness.http[0].name", "expected a string like \"app\", got integer"});
  loaded("[[readiness.http]]\nname = \"" + std::string(63, 'a') + "\"\n" + tail);
}

TEST(LoadHttpChecks, ExpectStatusAndTimeoutRanges) {
  const std::string head = "[[readiness.http]]\nname = \"a\"\nurl = \"http://h/\"\n";
  expect_single_error(head + "expect_status = 99\n",
                      {4, 17, "readiness.http[0].expect_status",
                       "99 is out of range; use an integer from 100 to 599"});
  expect_single_error(head + "expect_status = 600\n",
                      {4, 17, "readiness.http[0].expect_status", "600 is out of range"});
  expect_single_error(
      head + "expect_status = \"200\"\n",
      {4, 17, "readiness.http[0].expect_status", "expected an integer like 200, got string"});
  expect_single_error(head + "timeout = \"50ms\"\n",
                      {4, 11, "readiness.http[0].timeout",
                       "\"50ms\" is out of range; use a duration from 100ms to 1m"});
  expect_single_error(head + "timeout = \"61s\"\n",
                      {4, 11, "readiness.http[0].timeout", "\"61s\" is out of range"});
  expect_single_error(head + "timeout = 2\n",
                      {4, 11, "readiness.http[0].timeout",
                       "expected a string like \"5s\", got integer (a duration needs a unit"});
  expect_single_error(head + "timeout = \"2 s\"\n",
                      {4, 11, "readiness.http[0].timeout", "is not a duration"});
}

TEST(LoadHttpChecks, UnknownKeysGetHints) {
  const std::string head = "[[readiness.http]]\nname = \"a\"\nurl = \"http://h/\"\n";
  expect_single_error(head + "timout = \"1s\"\n",
                      {4, 1, "readiness.http[0].timout",
                       "unknown key 'readiness.http[0].timout'; did you mean "
                       "'readiness.http[0].timeout'?"});
  expect_single_error(head + "expected_status = 200\n",
                      {4, 1, "readiness.http[0].expected_status",
                       "did you mean 'readiness.http[0].expect_status'?"});
  expect_single_error(head + "method = \"GET\"\n",
                      {4, 1, "readiness.http[0].method",
                       "remove it (see config/example.toml for the keys of [[readiness.http]])"});
  expect_single_error("[readiness]\nurl = \"http://h/\"\n",
                      {2, 1, "readiness.url",
                       "unknown key 'readiness.url'; `url` belongs in a [[readiness.http]] block"});
  expect_single_error("[readiness]\nname = \"a\"\n",
                      {2, 1, "readiness.name",
                       "`name` belongs in a [[readiness.migrations]] or [[readiness.http]] block"});
}

TEST(LoadHttpChecks, WrongShapes) {
  expect_single_error("[readiness.http]\nname = \"a\"\n",
                      {1, 1, "readiness.http",
                       "expected an array of tables (write each check as a [[readiness.http]] "
                       "block), got table"});
  expect_single_error(
      "readiness.http = [\"http://h/\"]\n",
      {1, 19, "readiness.http[0]", "expected a table with `name` and `url`, got string"});
}

// --- supervise --------------------------------------------------------------------------------

TEST(LoadSupervise, ReadsEveryKey) {
  const Config c = loaded(
      "[supervise]\n"
      "on_exit = \"restart\"\n"
      "restart_backoff_max = \"10m\"\n"
      "stop_timeout = \"1s\"\n");
  EXPECT_EQ(c.supervise, (SuperviseSection{.on_exit = SuperviseSection::OnExit::restart,
                                           .restart_backoff_max = 10min,
                                           .stop_timeout = 1s}));
  EXPECT_EQ(loaded("supervise.on_exit = \"exit\"\n").supervise.on_exit,
            SuperviseSection::OnExit::exit);
  EXPECT_EQ(loaded("[supervise]\nrestart_backoff_max = \"1s\"\nstop_timeout = \"10m\"\n")
                .supervise.stop_timeout,
            10min);
}

TEST(LoadSupervise, OnExitValues) {
  expect_single_error("[supervise]\non_exit = \"Restart\"\n",
                      {2, 11, "supervise.on_exit",
                       "\"Restart\" is not an on_exit action; use exit (the agent exits with the "
                       "app's status) or restart (the agent starts the app again) (did you mean "
                       "\"restart\"?)"});
  expect_single_error("[supervise]\non_exit = \"exti\"\n",
                      {2, 11, "supervise.on_exit", "(did you mean \"exit\"?)"});
  const ConfigErrors errors = errors_of("[supervise]\non_exit = \"ignore\"\n");
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_EQ(errors[0].message.find("did you mean"), std::string::npos) << errors[0].message;
  expect_single_error("[supervise]\non_exit = true\n",
                      {2, 11, "supervise.on_exit", "expected a string like \"exit\", got boolean"});
}

TEST(LoadSupervise, DurationRanges) {
  expect_single_error("[supervise]\nrestart_backoff_max = \"500ms\"\n",
                      {2, 23, "supervise.restart_backoff_max",
                       "\"500ms\" is out of range; use a duration from 1s to 10m"});
  expect_single_error("[supervise]\nrestart_backoff_max = \"11m\"\n",
                      {2, 23, "supervise.restart_backoff_max", "\"11m\" is out of range"});
  expect_single_error(
      "[supervise]\nstop_timeout = \"0s\"\n",
      {2, 16, "supervise.stop_timeout", "\"0s\" is out of range; use a duration from 1s to 10m"});
  expect_single_error("[supervise]\nstop_timeout = \"1h\"\n",
                      {2, 16, "supervise.stop_timeout", "\"1h\" is out of range"});
  expect_single_error("[supervise]\nstop_timeout = 10\n",
                      {2, 16, "supervise.stop_timeout", "a duration needs a unit"});
}

TEST(LoadSupervise, UnknownKeysAndSectionsGetHints) {
  expect_single_error("[supervise]\nstop_timout = \"5s\"\n",
                      {2, 1, "supervise.stop_timout", "did you mean 'supervise.stop_timeout'?"});
  expect_single_error(
      "[supervisor]\non_exit = \"exit\"\n",
      {1, 2, "supervisor", "unknown section [supervisor]; did you mean [supervise]?"});
  expect_single_error(
      "[agent]\non_exit = \"restart\"\n",
      {2, 1, "agent.on_exit", "did you mean 'supervise.on_exit'? (it belongs in [supervise])"});
  expect_single_error(
      "on_exit = \"restart\"\n",
      {1, 1, "on_exit", "did you mean 'supervise.on_exit'? (put it under [supervise])"});
}

// --- cross-key rules --------------------------------------------------------------------------

TEST(LoadCrossKey, LockTimeoutLongerThanStatementTimeout) {
  expect_single_error(
      "[database]\nstatement_timeout = \"2s\"\nlock_timeout = \"3s\"\n",
      {3, 16, "database.lock_timeout",
       "3s is longer than database.statement_timeout (2s), so it could never fire"});
  // Pointing at statement_timeout when that is what the file changed.
  expect_single_error("[database]\nstatement_timeout = \"500ms\"\n",
                      {2, 21, "database.lock_timeout", "1s is longer than"});
  loaded("[database]\nstatement_timeout = \"2s\"\nlock_timeout = \"2s\"\n");
}

TEST(LoadCrossKey, StaleAfterMustCoverIntervalAndCycleDeadline) {
  expect_single_error(
      "[agent]\nstale_after = \"5s\"\n",
      {2, 15, "agent.stale_after",
       "5s is shorter than agent.interval (2s) + database.connect_timeout (3s) + "
       "database.statement_timeout (5s) + 1s grace = 11s; a slow but healthy probe would be "
       "reported as stalled"});
  loaded("[agent]\nstale_after = \"11s\"\n");
}

TEST(LoadCrossKey, StaleAfterRulePointsAtTheKeyThatWasChanged) {
  expect_single_error("\n[database]\nstatement_timeout = \"1m\"\nlock_timeout = \"1s\"\n",
                      {3, 21, "agent.stale_after", "+ 1s grace = 66s"});
}

TEST(LoadCrossKey, StaleAfterIgnoresHttpTimeouts) {
  // The checks run beside the database probe, under their own timeouts: 2s + 3s + 5s + 1s = 11s
  // covers any number of them, however slow.
  const std::string check = "[[readiness.http]]\nname = \"app\"\nurl = \"http://h/\"\n";
  loaded("[agent]\nstale_after = \"11s\"\n" + check + "timeout = \"60s\"\n" +
         "[[readiness.http]]\nname = \"b\"\nurl = \"http://h/\"\ntimeout = \"30s\"\n");
  expect_single_error("[agent]\nstale_after = \"10s\"\n" + check,
                      {2, 15, "agent.stale_after", "+ 1s grace = 11s; a slow but healthy"});
}

TEST(LoadCrossKey, StaleAfterJudgedBesideAWrongHttpCheck) {
  // A bad check is reported on its own; stale_after does not depend on it.
  expect_single_error(
      "[agent]\nstale_after = \"11s\"\n[[readiness.http]]\nname = \"a\"\nurl = \"https://h/\"\n",
      {5, 7, "readiness.http[0].url", "https is not supported"});
  expect_single_error(
      "[agent]\nstale_after = \"11s\"\n[[readiness.http]]\nname = \"a\"\nurl = \"http://h/\"\n"
      "timeout = \"1m1s\"\n",
      {6, 11, "readiness.http[0].timeout", "out of range"});
}

TEST(LoadCrossKey, SkippedWhenAPartIsAlreadyWrong) {
  // The interval is bad; judging stale_after against its default would only confuse.
  expect_single_error("[agent]\nstale_after = \"1s\"\ninterval = \"5x\"\n",
                      {3, 12, "agent.interval", "unknown unit"});
}

// --- several errors ---------------------------------------------------------------------------

TEST(LoadErrors, CollectsEveryErrorInFileOrder) {
  const ConfigErrors errors = errors_of(
      "[agent]\n"
      "interval = \"5x\"\n"
      "http_threads = 0\n"
      "[log]\n"
      "levle = \"debug\"\n"
      "[readiness]\n"
      "expected_tables = [\"a\", \"a\"]\n"
      "[[readiness.migrations]]\n"
      "name = \"m\"\n",
      env_of({{"PORT", "http"}}));
  ASSERT_EQ(errors.size(), 6u) << dump(errors);
  EXPECT_TRUE(matches(errors[0], {2, 12, "agent.interval", "unknown unit"}));
  EXPECT_TRUE(matches(errors[1], {3, 16, "agent.http_threads", "out of range"}));
  EXPECT_TRUE(matches(errors[2], {5, 1, "log.levle", "did you mean 'log.level'?"}));
  EXPECT_TRUE(matches(errors[3], {7, 25, "readiness.expected_tables[1]", "listed twice"}));
  EXPECT_TRUE(matches(errors[4], {8, 1, "readiness.migrations[0]", "a marker needs"}));
  EXPECT_TRUE(matches(errors[5], {0, 0, "PORT (environment)", "not a port number"}));
}

TEST(LoadErrors, EnvironmentIsCheckedEvenAfterASyntaxError) {
  const ConfigErrors errors = errors_of("[agent\n", env_of({{"OPSAGENT_LOG_FORMAT", "xml"}}));
  ASSERT_EQ(errors.size(), 2u) << dump(errors);
  EXPECT_NE(errors[0].message.find("TOML syntax error"), std::string::npos);
  EXPECT_EQ(errors[1].key, "OPSAGENT_LOG_FORMAT (environment)");
}

// --- environment ------------------------------------------------------------------------------

TEST(LoadEnvironment, OverridesFileValues) {
  const Config c = loaded(
      "[agent]\nlisten = \"127.0.0.1:8080\"\n[log]\nlevel = \"warn\"\n",
      env_of({{"PORT", "9090"}, {"OPSAGENT_LOG_LEVEL", "debug"}, {"OPSAGENT_LOG_FORMAT", "json"}}));
  EXPECT_EQ(c.agent.listen_host, "127.0.0.1");  // PORT changes only the port
  EXPECT_EQ(c.agent.listen_port, 9090);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.format, LogSection::Format::json);
}

TEST(LoadEnvironment, EmptyValuesCountAsUnset) {
  const Config c = loaded("", env_of({{"PORT", ""}, {"OPSAGENT_LOG_LEVEL", ""}}));
  EXPECT_EQ(c.agent.listen_port, 8080);
  EXPECT_EQ(c.log.level, "info");
}

TEST(LoadEnvironment, UnsetEnvironmentFunctionMeansNoOverrides) {
  const auto r = load_config_string("", "test.toml", Environment{});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->agent.listen_port, 8080);
}

TEST(LoadEnvironment, BadPort) {
  for (const auto* port : {"abc", "0", "65536", "-1", "80 "}) {
    const ConfigErrors errors = errors_of("", env_of({{"PORT", port}}));
    ASSERT_EQ(errors.size(), 1u) << port << dump(errors);
    EXPECT_TRUE(matches(errors[0], {0, 0, "PORT (environment)", "use an integer from 1 to 65535"}));
    EXPECT_EQ(errors[0].file, "");
  }
  EXPECT_EQ(errors_of("", env_of({{"PORT", "abc"}}))[0].to_string(),
            "PORT (environment): \"abc\" is not a port number; use an integer from 1 to 65535");
}

TEST(LoadEnvironment, BadLogLevel) {
  expect_single_error("", {0, 0, "OPSAGENT_LOG_LEVEL (environment)", "did you mean \"debug\"?"},
                      env_of({{"OPSAGENT_LOG_LEVEL", "DEBUG"}}));
}

TEST(LoadEnvironment, RailwayDrainingSecondsSetsTheDefaultDrain) {
  const auto drain_with = [](std::string_view toml, std::string seconds) {
    return loaded(toml, env_of({{"RAILWAY_DEPLOYMENT_DRAINING_SECONDS", std::move(seconds)}}))
        .agent.drain;
  };
  EXPECT_EQ(drain_with("", "30"), 15s);
  EXPECT_EQ(drain_with("", "0"), 0s);
  EXPECT_EQ(drain_with("", "3"), 1500ms);  // Railway's default when the variable is unset
  EXPECT_EQ(drain_with("", "31"), 15500ms);
  EXPECT_EQ(drain_with("", "1800"), 15min);
  EXPECT_EQ(drain_with("", "3600"), 15min);  // capped at agent.drain's maximum
  EXPECT_EQ(drain_with("", ""), 5s);         // empty counts as unset
  EXPECT_EQ(drain_with("[agent]\ninterval = \"2s\"\n", "030"), 15s);
}

TEST(LoadEnvironment, RailwayDrainingSecondsNeverOverridesTheFile) {
  const Environment railway = env_of({{"RAILWAY_DEPLOYMENT_DRAINING_SECONDS", "30"}});
  EXPECT_EQ(loaded("[agent]\ndrain = \"2s\"\n", railway).agent.drain, 2s);
  EXPECT_EQ(loaded("agent.drain = \"5s\"\n", railway).agent.drain, 5s);  // even the default value
  EXPECT_EQ(loaded("[agent]\ndrain = \"0s\"\n", railway).agent.drain, 0s);
  // A bad drain in the file is reported as such, not replaced.
  expect_single_error(
      "[agent]\ndrain = \"1h\"\n",
      {2, 9, "agent.drain", "\"1h\" is out of range; use a duration from 0s to 15m"}, railway);
}

TEST(LoadEnvironment, BadRailwayDrainingSeconds) {
  constexpr std::string_view kKey = "RAILWAY_DEPLOYMENT_DRAINING_SECONDS (environment)";
  struct Case {
    std::string_view value, phrase;
  };
  for (const Case& c : {
           Case{"abc",
                "\"abc\" is not a number; use a whole number of seconds from 0 to 3600 "
                "(Railway's time from SIGTERM to SIGKILL)"},
           Case{"-1", "\"-1\" is negative; use a whole number of seconds from 0 to 3600"},
           Case{"3601", "\"3601\" is out of range; use a whole number of seconds from 0 to 3600"},
           Case{"99999999999999999999999", "is out of range"},
           Case{"1.5", "\"1.5\" is not a number"},
           Case{"30s", "\"30s\" is not a number"},
           Case{" 30", "is not a number"},
           Case{"+30", "is not a number"},
       }) {
    expect_single_error("", {0, 0, kKey, c.phrase},
                        env_of({{"RAILWAY_DEPLOYMENT_DRAINING_SECONDS", std::string(c.value)}}));
  }
  // Checked even when the file sets the drain, like PORT: the environment itself is broken.
  expect_single_error("[agent]\ndrain = \"2s\"\n", {0, 0, kKey, "is negative"},
                      env_of({{"RAILWAY_DEPLOYMENT_DRAINING_SECONDS", "-1"}}));
  EXPECT_EQ(errors_of("", env_of({{"RAILWAY_DEPLOYMENT_DRAINING_SECONDS", "abc"}}))[0].to_string(),
            "RAILWAY_DEPLOYMENT_DRAINING_SECONDS (environment): \"abc\" is not a number; use a "
            "whole number of seconds from 0 to 3600 (Railway's time from SIGTERM to SIGKILL)");
}

TEST(LoadEnvironment, ProcessEnvironmentReadsGetenv) {
  const Environment env = process_environment();
  const char* path = std::getenv("PATH");
  ASSERT_NE(path, nullptr);
  EXPECT_EQ(env("PATH"), std::optional<std::string>(path));
  EXPECT_EQ(env("OPSAGENT_TEST_VARIABLE_THAT_IS_NEVER_SET"), std::nullopt);
}

// --- files and formatting ---------------------------------------------------------------------

TEST(LoadFile, MissingFileSaysHowToPassOne) {
  const auto r = load_config_file("/nonexistent/opsagent.toml", no_env());
  ASSERT_FALSE(r);
  ASSERT_EQ(r.error().size(), 1u);
  const ConfigError& e = r.error()[0];
  EXPECT_EQ(e.file, "/nonexistent/opsagent.toml");
  EXPECT_EQ(e.line, 0);
  EXPECT_EQ(e.to_string(),
            "/nonexistent/opsagent.toml: the config file cannot be opened: No such file or "
            "directory; "
            "pass --config FILE or set OPSAGENT_CONFIG; see config/example.toml");
}

TEST(LoadFile, DirectoryIsNotAConfigFile) {
  const std::string dir = std::filesystem::path(__FILE__).parent_path().string();
  const auto r = load_config_file(dir, no_env());
  ASSERT_FALSE(r);
  ASSERT_EQ(r.error().size(), 1u);
  EXPECT_NE(r.error()[0].message.find("is a directory, not a regular file"), std::string::npos)
      << r.error()[0].to_string();
}

TEST(ConfigErrorToString, LeavesOutUnknownParts) {
  EXPECT_EQ((ConfigError{"f.toml", 3, 7, "agent.drain", "bad"}).to_string(),
            "f.toml:3:7: agent.drain: bad");
  EXPECT_EQ((ConfigError{"f.toml", 3, 0, "agent.drain", "bad"}).to_string(),
            "f.toml:3: agent.drain: bad");
  EXPECT_EQ((ConfigError{"f.toml", 0, 0, "", "bad"}).to_string(), "f.toml: bad");
  EXPECT_EQ((ConfigError{"", 0, 0, "PORT (environment)", "bad"}).to_string(),
            "PORT (environment): bad");
  EXPECT_EQ((ConfigError{"", 0, 0, "", "bad"}).to_string(), "bad");
}

}  // namespace
}  // namespace opsagent::config
