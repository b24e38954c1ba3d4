// The trace reader (ReadTrace, app/trace/trace.h) on arbitrary bytes as a
// .json file. Every GEMM it returns must satisfy the documented bounds
// (FuzzTraceFile).
#include "fuzz/fuzz_target.h"

namespace gemmsim::fuzz {

int FuzzTraceProfiler(const uint8_t* data, size_t size) {
  return FuzzTraceFile(data, size, ".json");
}

}  // namespace gemmsim::fuzz

GEMMSIM_FUZZ_ENTRY(gemmsim::fuzz::FuzzTraceProfiler)
