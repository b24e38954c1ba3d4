// The trace reader (ReadTrace, app/trace/trace.h) on arbitrary bytes as a
// .yaml file. Every GEMM it returns must satisfy the documented bounds.
#include "app/trace/trace.h"
#include "fuzz/fuzz_target.h"

namespace gemmsim::fuzz {

int FuzzTraceManifest(const uint8_t* data, size_t size) {
  const std::string path = WriteFuzzFile(
      std::string_view(reinterpret_cast<const char*>(data), size), ".yaml");
  return ExpectOnlyGemmsimErrors([&] {
    const app::Trace trace = app::ReadTrace(path);
    for (const app::TraceGemm& gemm : trace.gemms) {
      Require(gemm.m >= 0 && gemm.n >= 0 && gemm.k >= 0,
              "ReadTrace: negative dimension");
      Require(gemm.batch >= 1 && gemm.count >= 1,
              "ReadTrace: batch or count below 1");
      app::ShapeOf(gemm);
    }
  });
}

}  // namespace gemmsim::fuzz

GEMMSIM_FUZZ_ENTRY(gemmsim::fuzz::FuzzTraceManifest)
