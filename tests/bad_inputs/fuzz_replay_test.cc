// Replays every fuzz target (fuzz/fuzz_target.h) over its seed corpus
// (fuzz/corpus/<target>/) and over every crasher the fuzzers ever found
// (fuzz/regressions/<target>/), in the ordinary and the sanitizer build: a
// fixed bug stays fixed without clang or libFuzzer. The expected file counts
// make a lost or unreplayed regression input fail the test.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_target.h"

namespace {

namespace fs = std::filesystem;
using Target = int (*)(const uint8_t*, size_t);

struct Replay {
  const char* name;
  Target target;
  size_t corpus_files;      // fuzz/corpus/<name>/
  size_t regression_files;  // fuzz/regressions/<name>/
};

const Replay kReplays[] = {
    {"npy", gemmsim::fuzz::FuzzNpy, 12, 0},
    {"safetensors", gemmsim::fuzz::FuzzSafetensors, 6, 3},
    {"numerics", gemmsim::fuzz::FuzzNumerics, 8, 4},
    {"machine", gemmsim::fuzz::FuzzMachine, 7, 3},
    {"manifest", gemmsim::fuzz::FuzzTraceManifest, 4, 2},
    {"csv", gemmsim::fuzz::FuzzTraceCsv, 4, 1},
    {"profiler", gemmsim::fuzz::FuzzTraceProfiler, 3, 2},
};

std::vector<fs::path> FilesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file() && entry.path().filename() != ".gitkeep")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Runs `target` on each file; returns how many ran.
size_t ReplayFolder(Target target, const fs::path& dir) {
  size_t ran = 0;
  for (const fs::path& file : FilesIn(dir)) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    INFO("input ", file.string());
    CHECK_NOTHROW(
        target(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    ++ran;
  }
  return ran;
}

}  // namespace

TEST_CASE("every fuzz target survives its corpus and its regressions") {
  const fs::path root = GEMMSIM_FUZZ_DIR;
  size_t targets = 0;
  for (const Replay& replay : kReplays) {
    INFO("target ", replay.name);
    CHECK(ReplayFolder(replay.target, root / "corpus" / replay.name) ==
          replay.corpus_files);
    CHECK(ReplayFolder(replay.target, root / "regressions" / replay.name) ==
          replay.regression_files);
    ++targets;
  }
  CHECK(targets == 7);
}
