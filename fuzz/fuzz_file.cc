#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fuzz/fuzz_target.h"

namespace gemmsim::fuzz {

namespace {

// One folder per process, removed at exit: fuzzers run in parallel (-jobs)
// and beside the replay test without clobbering each other's inputs.
class ScratchFolder {
 public:
  ScratchFolder()
      : path_(std::filesystem::temp_directory_path() /
              ("gemmsim-fuzz-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

std::string WriteFuzzFile(std::string_view bytes, std::string_view extension) {
  static const ScratchFolder folder;
  const std::string path =
      (folder.path() / "input").string() + std::string(extension);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  Require(out.good(), "cannot write the fuzz input file");
  return path;
}

std::string SplitOverrides(std::string_view text,
                           std::vector<std::string>* overrides) {
  constexpr std::string_view kPrefix = "#set ";
  while (text.starts_with(kPrefix)) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(
        kPrefix.size(), end == std::string_view::npos ? std::string_view::npos
                                                      : end - kPrefix.size());
    overrides->emplace_back(line);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return std::string(text);
}

}  // namespace gemmsim::fuzz
