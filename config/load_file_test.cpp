// What load_config_file does with files that are not config files: FIFOs, devices, huge files
// (issue 13, findings 3 and 4), and how many problems one load reports.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

#include <chrono>
#include <fstream>

#include "config/load.hpp"
#include "config/test_helpers.hpp"
#include "tests/support/temp_dir.hpp"

namespace opsagent::config {
namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string all(const ConfigErrors& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

// A FIFO with no writer made open() block for ever; now it is refused at once.
TEST(LoadFile, FifoIsRefusedWithoutBlocking) {
  testing::TempDir dir;
  const std::string fifo = dir.file("config.toml");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto r = load_config_file(fifo, no_env());
  ASSERT_FALSE(r);
  ASSERT_EQ(r.error().size(), 1u);
  EXPECT_NE(r.error()[0].message.find("is a FIFO (named pipe), not a regular file"),
            std::string::npos)
      << all(r.error());
}

// `validate --config /dev/zero` read without end until it ran out of memory.
TEST(LoadFile, DevicesAreRefusedUnread) {
  for (const char* device : {"/dev/zero", "/dev/full", "/dev/null"}) {
    const auto r = load_config_file(device, no_env());
    ASSERT_FALSE(r) << device;
    ASSERT_EQ(r.error().size(), 1u) << device;
    EXPECT_NE(r.error()[0].message.find("character device"), std::string::npos) << all(r.error());
  }
}

TEST(LoadFile, AFileOverTheLimitIsRefusedUnread) {
  testing::TempDir dir;
  const std::string path = dir.file("big.toml");
  write_file(path, std::string(kMaxConfigBytes + 1, '#'));
  const auto r = load_config_file(path, no_env());
  ASSERT_FALSE(r);
  ASSERT_EQ(r.error().size(), 1u);
  EXPECT_NE(r.error()[0].message.find("larger than the limit of 1 MiB"), std::string::npos)
      << all(r.error());

  write_file(path, std::string(kMaxConfigBytes, '#'));  // a comment of exactly the limit loads
  EXPECT_TRUE(load_config_file(path, no_env())) << "the limit itself must be allowed";
}

// A 100 MB file of unknown keys printed 9.5 million lines. Within the size limit a file can
// still hold a great many problems: the first kMaxReportedErrors (in file order) are listed,
// then one line with how many more there are.
TEST(LoadFile, ProblemsAreCappedWithACountOfTheRest) {
  std::string toml = "[agent]\n";
  const int n = 20'000;
  for (int i = 0; i < n; ++i) toml += "k" + std::to_string(i) + " = 1\n";
  const auto r = load_config_string(toml, "many.toml", no_env());
  ASSERT_FALSE(r);
  ASSERT_EQ(r.error().size(), kMaxReportedErrors + 1) << all(r.error());
  for (std::size_t i = 0; i < kMaxReportedErrors; ++i) {
    EXPECT_EQ(r.error()[i].line, static_cast<int>(i) + 2) << all(r.error());
  }
  const ConfigError& last = r.error().back();
  EXPECT_EQ(last.line, 0);
  EXPECT_NE(last.message.find("and " + std::to_string(n - kMaxReportedErrors) + " more problems"),
            std::string::npos)
      << last.to_string();
}

TEST(LoadFile, AFewProblemsAreAllListedWithoutASummary) {
  const auto r = load_config_string("[agent]\na = 1\nb = 2\n", "few.toml", no_env());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().size(), 2u) << all(r.error());
}

std::string state_file_config(const std::string& path) {
  return "[alerts]\nstate_file = \"" + path + "\"\n";
}

// `validate` accepted a state_file naming a FIFO, and `run` then hung reading it.
TEST(LoadFile, StateFileMustBeARegularFileOrAbsent) {
  testing::TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0600), 0);
  const struct {
    std::string path;
    std::string kind;
  } bad[] = {{dir.file("fifo"), "a FIFO"},
             {"/dev/zero", "a character device"},
             {"/dev/null", "a character device"},
             {dir.path().string(), "a directory"}};
  for (const auto& [path, kind] : bad) {
    write_file(dir.file("c.toml"), state_file_config(path));
    const auto r = load_config_file(dir.file("c.toml"), no_env());
    ASSERT_FALSE(r) << path;
    ASSERT_EQ(r.error().size(), 1u) << all(r.error());
    const ConfigError& e = r.error()[0];
    EXPECT_EQ(e.key, "alerts.state_file");
    EXPECT_EQ(e.line, 2);
    EXPECT_NE(e.message.find("names " + kind), std::string::npos) << e.to_string();
  }
  for (const std::string& ok : {dir.file("not-yet.json"), std::string()}) {
    write_file(dir.file("c.toml"), state_file_config(ok));
    EXPECT_TRUE(load_config_file(dir.file("c.toml"), no_env())) << ok;
  }
  write_file(dir.file("state.json"), "{}");
  write_file(dir.file("c.toml"), state_file_config(dir.file("state.json")));
  EXPECT_TRUE(load_config_file(dir.file("c.toml"), no_env()));
  // load_config_string touches no file: the fuzzer and the tests of the key table rely on it.
  EXPECT_TRUE(load_config_string(state_file_config("/dev/zero"), "s.toml", no_env()));
}

// systemd credentials are files too: one that is a FIFO counts as absent, at once.
TEST(ProcessEnvironment, CredentialThatIsAFifoCountsAsUnset) {
  testing::TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("OPSAGENT_TEST_FIFO_CREDENTIAL").c_str(), 0600), 0);
  write_file(dir.file("OPSAGENT_TEST_FILE_CREDENTIAL"), "postgresql://x@h/db\n");
  ::setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  const auto env = process_environment();
  EXPECT_EQ(env("OPSAGENT_TEST_FIFO_CREDENTIAL"), std::nullopt);
  EXPECT_EQ(env("OPSAGENT_TEST_FILE_CREDENTIAL"), "postgresql://x@h/db");
  ::unsetenv("CREDENTIALS_DIRECTORY");
}

}  // namespace
}  // namespace opsagent::config
