// The body the three trace targets share (manifest, csv, profiler): they
// differ only in the extension ReadTrace dispatches on.
#include "app/trace/trace.h"
#include "fuzz/fuzz_target.h"
#include "io/utf8.h"

namespace gemmsim::fuzz {

int FuzzTraceFile(const uint8_t* data, size_t size,
                  std::string_view extension) {
  const std::string path = WriteFuzzFile(
      std::string_view(reinterpret_cast<const char*>(data), size), extension);
  return ExpectOnlyGemmsimErrors([&] {
    const app::Trace trace = app::ReadTrace(path);
    for (const app::TraceGemm& gemm : trace.gemms) {
      Require(gemm.m >= 0 && gemm.n >= 0 && gemm.k >= 0,
              "ReadTrace: negative dimension");
      Require(gemm.batch >= 1 && gemm.count >= 1,
              "ReadTrace: batch or count below 1");
      // Names go into JSON reports; the readers promise UTF-8 (io/utf8.h).
      Require(!io::FirstInvalidUtf8(gemm.name).has_value(),
              "ReadTrace: a GEMM name that is not UTF-8");
      app::ShapeOf(gemm);
    }
  });
}

}  // namespace gemmsim::fuzz
