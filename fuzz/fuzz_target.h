// Shared by every fuzz target (issue 6). A target is a function
//   int FuzzX(const uint8_t* data, size_t size)
// that feeds the bytes to one reader. gemmsim::Error is the expected outcome
// of bad input (the user sees its message and exit code); anything else
// escaping the target -- another exception, a sanitizer report, a crash, a
// timeout, running out of memory -- is a bug. Each target is compiled twice:
// into gemmsim_fuzz_targets, which the ordinary ctest replays over the seed
// corpus and every crasher found (tests/bad_inputs/fuzz_replay_test.cc), and
// with GEMMSIM_LIBFUZZER into its own libFuzzer executable (GEMMSIM_FUZZ=ON).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "datapaths/error.h"

namespace gemmsim::fuzz {

// The targets, one per reader (fuzz/<name>_fuzzer.cc).
int FuzzNpy(const uint8_t* data, size_t size);
int FuzzSafetensors(const uint8_t* data, size_t size);
int FuzzNumerics(const uint8_t* data, size_t size);
int FuzzMachine(const uint8_t* data, size_t size);
int FuzzTraceManifest(const uint8_t* data, size_t size);  // ReadTrace, .yaml
int FuzzTraceCsv(const uint8_t* data, size_t size);       // ReadTrace, .csv
int FuzzTraceProfiler(const uint8_t* data, size_t size);  // ReadTrace, .json

// ReadTrace on the bytes as a file with `extension`; every GEMM it returns
// must have m, n, k >= 0 and batch, count >= 1 (fuzz/trace_fuzzing.cc).
int FuzzTraceFile(const uint8_t* data, size_t size, std::string_view extension);

// Writes the bytes to this process's scratch file with `extension` (".npy")
// and returns its path: the readers take paths, and some decide by extension.
std::string WriteFuzzFile(std::string_view bytes, std::string_view extension);

// `--set` overrides are fuzzed too: leading lines "#set KEY=VALUE" (YAML
// comments, so the rest still parses as the file) become overrides and are
// removed from the returned text.
std::string SplitOverrides(std::string_view text,
                           std::vector<std::string>* overrides);

// A broken invariant found while fuzzing: deliberately not a gemmsim::Error,
// so that it escapes ExpectOnlyGemmsimErrors and counts as a bug.
class InvariantBroken : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};
inline void Require(bool holds, const char* what) {
  if (!holds) throw InvariantBroken(what);
}

// Runs `read`; a gemmsim::Error is the expected outcome for bad input and is
// swallowed, everything else propagates to the fuzzer (or the replay test).
template <typename Read>
int ExpectOnlyGemmsimErrors(Read&& read) {
  try {
    read();
  } catch (const gemmsim::Error&) {
  }
  return 0;
}

}  // namespace gemmsim::fuzz

// The libFuzzer entry point of a target, only in its fuzzer executable.
#ifdef GEMMSIM_LIBFUZZER
#define GEMMSIM_FUZZ_ENTRY(target)                                          \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    return target(data, size);                                              \
  }
#else
#define GEMMSIM_FUZZ_ENTRY(target)
#endif
