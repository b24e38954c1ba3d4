#include "io/input_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "datapaths/error.h"

namespace gemmsim::io {

InputFile::InputFile(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    throw InputError(path_, "",
                     fmt::format("cannot open: {}", std::strerror(errno)));
  }
  struct stat info {};
  if (::fstat(fd_, &info) != 0) {
    int error = errno;
    ::close(fd_);
    throw InputError(path_, "",
                     fmt::format("cannot read: {}", std::strerror(error)));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd_);
    throw InputError(path_, "",
                     S_ISDIR(info.st_mode)
                         ? "expected a regular file, found a directory"
                         : "expected a regular file");
  }
  size_ = static_cast<int64_t>(info.st_size);
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

void InputFile::read_at(int64_t offset, void* dest, int64_t count,
                        std::string_view what) const {
  auto* out = static_cast<char*>(dest);
  int64_t done = 0;
  while (done < count) {
    // pread may return fewer bytes than asked (and at most ~2 GiB per call
    // on Linux), so loop until the request is satisfied.
    ssize_t got = ::pread(fd_, out + done, static_cast<size_t>(count - done),
                          static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw InputError(
          path_, fmt::format("byte {}", offset + done),
          fmt::format("cannot read {}: {}", what, std::strerror(errno)));
    }
    if (got == 0) {
      throw InputError(
          path_, fmt::format("byte {}", offset + done),
          fmt::format("unexpected end of file in the {} (expected {} more "
                      "bytes; did the file change while being read?)",
                      what, count - done));
    }
    done += got;
  }
}

}  // namespace gemmsim::io
