// Reading a whole file the agent is told to read (the config, the alert state file, a systemd
// credential) without trusting what the path names: the file is opened without blocking (a FIFO
// with no writer would otherwise hang open() for ever), must be a regular file (not a FIFO,
// socket, device or directory: /dev/zero never ends), and is read up to a size limit (a file
// that grows while being read is cut off at the limit, not followed). One function, used for
// every file the agent reads. Thread-safety: reentrant.
#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <string>

namespace opsagent::common {

struct FileReadError {
  enum class Kind { missing, not_regular, too_large, unreadable };
  Kind kind = Kind::unreadable;
  // Says what is wrong and what to do, e.g. "is a FIFO, not a regular file"; starts lower case
  // and does not repeat the path, which the caller names.
  std::string message;
};

// The contents of `path`, at most `max_bytes` of them. Never blocks on the file itself: a FIFO,
// a device or a socket is refused before anything is read from it.
std::expected<std::string, FileReadError> read_bounded_file(const std::string& path,
                                                            std::size_t max_bytes);

// What `path` is when it exists and is not a regular file ("a FIFO (named pipe)", "a character
// device", "a directory", ...); nullopt when it is a regular file (symbolic links followed) or
// cannot be examined (missing, say). Never opens the file.
std::optional<std::string> irregular_file_kind(const std::string& path);

// "64 KiB", "1 MiB": how limits are shown in messages.
std::string format_bytes(std::size_t bytes);

}  // namespace opsagent::common
