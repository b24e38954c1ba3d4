#include "io/atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <utility>

#include "datapaths/error.h"

namespace gemmsim::io {
namespace {

// "dir/name" -> "dir/.name.tmp-<pid>-<n>-<random>". Same directory as the
// destination, so the final rename never crosses filesystems; a leading dot
// hides it from listings while it exists.
std::string temp_name_for(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  static thread_local std::mt19937_64 random{std::random_device{}()};
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return fmt::format("{}.{}.tmp-{}-{}-{:08x}", dir, base, ::getpid(),
                     counter.fetch_add(1), random() & 0xffffffffu);
}

}  // namespace

AtomicOutputFile::AtomicOutputFile(std::string path) : path_(std::move(path)) {
  // open(O_CREAT | O_EXCL) rather than mkstemp: mkstemp creates mode 0600,
  // while the output should get the usual 0666 & ~umask of a new file.
  // O_EXCL makes a name collision an EEXIST, upon which we draw another name.
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = temp_name_for(path_);
    fd_ = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) {
      temp_path_ = std::move(name);
      return;
    }
    if (errno != EEXIST) fail(errno);
  }
  fail(EEXIST);
}

AtomicOutputFile::~AtomicOutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void AtomicOutputFile::fail(int error) const {
  throw Error(ExitCode::kInputFile,
              fmt::format("{}: cannot write: {}", path_, std::strerror(error)));
}

void AtomicOutputFile::write(const void* bytes, size_t size) {
  if (fd_ < 0) fail(EBADF);  // after commit(): a caller bug, still an error
  const auto* data = static_cast<const char*>(bytes);
  while (size > 0) {
    ssize_t written = ::write(fd_, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    data += written;
    size -= static_cast<size_t>(written);
  }
}

void AtomicOutputFile::commit() {
  if (fd_ < 0) fail(EBADF);
  // close() can report a deferred write error (NFS, a full disk); check it
  // before the rename makes the file visible.
  int result = ::close(fd_);
  fd_ = -1;
  if (result != 0) fail(errno);
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) fail(errno);
  temp_path_.clear();
}

void WriteFileAtomically(const std::string& path, std::string_view bytes) {
  AtomicOutputFile file(path);
  file.write(bytes);
  file.commit();
}

}  // namespace gemmsim::io
