#include "common/bounded_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace opsagent::common {
namespace {

std::string file_type(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Closes on every path out of read_bounded_file.
struct Fd {
  int fd;
  explicit Fd(int descriptor) : fd(descriptor) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&&) = delete;
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::optional<std::string> irregular_file_kind(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return std::nullopt;
  return file_type(st.st_mode);
}

std::string format_bytes(std::size_t bytes) {
  constexpr std::size_t kKiB = 1024;
  if (bytes >= kKiB * kKiB && bytes % (kKiB * kKiB) == 0) {
    return std::to_string(bytes / (kKiB * kKiB)) + " MiB";
  }
  if (bytes >= kKiB && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + " KiB";
  return std::to_string(bytes) + " bytes";
}

std::expected<std::string, FileReadError> read_bounded_file(const std::string& path,
                                                            std::size_t max_bytes) {
  using Kind = FileReadError::Kind;
  // O_NONBLOCK: opening a FIFO for reading waits for a writer otherwise; O_NOCTTY: a terminal
  // device must not become the agent's controlling terminal.
  const Fd file(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (file.fd < 0) {
    const int err = errno;
    return std::unexpected(FileReadError{err == ENOENT ? Kind::missing : Kind::unreadable,
                                         "cannot be opened: " + std::string(std::strerror(err))});
  }
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) {
    return std::unexpected(FileReadError{
        Kind::unreadable, "cannot be examined: " + std::string(std::strerror(errno))});
  }
  if (!S_ISREG(st.st_mode)) {
    return std::unexpected(FileReadError{
        Kind::not_regular, "is " + file_type(st.st_mode) + ", not a regular file; name a file"});
  }
  const auto too_large = [&] {
    return FileReadError{Kind::too_large, "is larger than the limit of " + format_bytes(max_bytes) +
                                              "; this is not the file the agent expects"};
  };
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) return std::unexpected(too_large());
  std::string text;
  text.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  // One byte more than the limit allows tells a file that grew past it from one that fits.
  for (;;) {
    if (done == text.size()) {
      if (text.size() > max_bytes) return std::unexpected(too_large());
      text.resize(std::min(max_bytes + 1, std::max<std::size_t>(text.size() * 2, 4096)));
    }
    const ssize_t n = ::read(file.fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return std::unexpected(
          FileReadError{Kind::unreadable, "cannot be read: " + std::string(std::strerror(errno))});
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  text.resize(done);
  return text;
}

}  // namespace opsagent::common
