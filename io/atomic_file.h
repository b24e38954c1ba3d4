// All-or-nothing output files (SPEC.md "Command line": a failed command
// leaves no partial output file behind). Bytes go to a temporary file beside
// the destination; commit() renames it onto the destination, which is atomic
// within one filesystem, so readers see either the old file or the complete
// new one. Without commit() (an exception, an early return) the destructor
// deletes the temporary and the destination is untouched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace gemmsim::io {

class AtomicOutputFile {
 public:
  // Creates the temporary file in the destination's directory. Throws
  // gemmsim::Error(kInputFile, "<path>: cannot write: <reason>").
  explicit AtomicOutputFile(std::string path);
  ~AtomicOutputFile();
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  void write(const void* bytes, size_t size);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  void write(std::span<const uint8_t> bytes) {
    write(bytes.data(), bytes.size());
  }

  // Closes the temporary and renames it onto the destination. No fsync: the
  // guarantee is against partial files from failed runs, not power loss.
  void commit();

  const std::string& path() const { return path_; }
  // The temporary's name, for tests. Empty after commit().
  const std::string& temp_path() const { return temp_path_; }

 private:
  [[noreturn]] void fail(int error) const;

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
};

// The whole of `bytes` into `path` through an AtomicOutputFile.
void WriteFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace gemmsim::io
