// A regular file opened for reading at known offsets. Readers of binary
// formats ask for its size first and check every length a header claims
// against it before they allocate or read; read_at() then never runs short
// unless the file changes underneath us, which is reported the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gemmsim::io {

class InputFile {
 public:
  // Throws gemmsim::Error (exit 3) when `path` cannot be opened or is not a
  // regular file (a directory, a pipe: their size is not known up front).
  explicit InputFile(std::string path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::string& path() const { return path_; }
  int64_t size() const { return size_; }

  // Reads exactly `count` bytes at `offset` into `dest`. `what` names the
  // part being read ("header", "data") for the message of a short read.
  void read_at(int64_t offset, void* dest, int64_t count,
               std::string_view what) const;

 private:
  std::string path_;
  int fd_ = -1;
  int64_t size_ = 0;
};

}  // namespace gemmsim::io
