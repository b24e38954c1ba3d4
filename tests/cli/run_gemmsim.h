// Runs the built gemmsim binary as a user would and captures what it says.
#pragma once

#include <string>
#include <vector>

namespace gemmsim::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs GEMMSIM_BINARY with `args` (no shell), stdin closed.
RunResult RunGemmsim(const std::vector<std::string>& args);

// A fresh empty directory under the system temp dir, removed at exit of the
// object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

bool FileExists(const std::string& path);
void WriteBytes(const std::string& path, const std::string& bytes);
std::string ReadBytes(const std::string& path);

}  // namespace gemmsim::testing
