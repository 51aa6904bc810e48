#include "common/bounded_file.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/temp_dir.hpp"

namespace opsagent::common {
namespace {

using Kind = FileReadError::Kind;

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(ReadBoundedFile, ReadsARegularFileWithinTheLimit) {
  testing::TempDir dir;
  write_file(dir.file("a"), "hello\n");
  EXPECT_EQ(read_bounded_file(dir.file("a"), 6), "hello\n");  // exactly the limit fits
  write_file(dir.file("empty"), "");
  EXPECT_EQ(read_bounded_file(dir.file("empty"), 6), "");
}

TEST(ReadBoundedFile, RefusesAFileOverTheLimitWithoutReadingIt) {
  testing::TempDir dir;
  write_file(dir.file("big"), std::string(10'000, 'x'));
  const auto r = read_bounded_file(dir.file("big"), 9'999);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, Kind::too_large);
  EXPECT_NE(r.error().message.find("9999 bytes"), std::string::npos) << r.error().message;
}

TEST(ReadBoundedFile, MissingIsItsOwnKind) {
  testing::TempDir dir;
  const auto r = read_bounded_file(dir.file("nope"), 100);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, Kind::missing);
}

// The attack: a FIFO with no writer made open() block for ever (before any signal handling).
// Opening without blocking returns at once; the FIFO is refused before anything is read.
TEST(ReadBoundedFile, RefusesAFifoWithoutWaitingForAWriter) {
  testing::TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0600), 0);
  const auto r = read_bounded_file(dir.file("fifo"), 100);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, Kind::not_regular);
  EXPECT_NE(r.error().message.find("FIFO"), std::string::npos) << r.error().message;
}

// /dev/zero never ends and /dev/full neither: reading them to the end exhausted memory.
TEST(ReadBoundedFile, RefusesDevicesDirectoriesAndSockets) {
  for (const char* device : {"/dev/zero", "/dev/full", "/dev/null"}) {
    const auto r = read_bounded_file(device, 1 << 20);
    ASSERT_FALSE(r) << device;
    EXPECT_EQ(r.error().kind, Kind::not_regular) << device;
    EXPECT_NE(r.error().message.find("character device"), std::string::npos) << device;
  }
  testing::TempDir dir;
  const auto d = read_bounded_file(dir.path().string(), 100);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().kind, Kind::not_regular);
  EXPECT_NE(d.error().message.find("directory"), std::string::npos) << d.error().message;

  const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(s, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = dir.file("sock");
  ASSERT_LT(path.size(), sizeof addr.sun_path);
  path.copy(addr.sun_path, path.size());
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const auto r = read_bounded_file(path, 100);
  ::close(s);
  ASSERT_FALSE(r);
  // open() of a socket fails (ENXIO) before fstat could tell: refused either way.
  EXPECT_NE(r.error().kind, Kind::missing);
}

TEST(FormatBytes, ShowsWholeUnits) {
  EXPECT_EQ(format_bytes(1 << 20), "1 MiB");
  EXPECT_EQ(format_bytes(std::size_t{64} * 1024), "64 KiB");
  EXPECT_EQ(format_bytes(1000), "1000 bytes");
}

}  // namespace
}  // namespace opsagent::common
