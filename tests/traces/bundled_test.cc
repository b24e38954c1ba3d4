// Every bundled trace (traces/) reads, its operand files load with the
// shapes the manifest states, and the model traces hold the GEMMs of a
// training step: their linear layers do 6 x parameters x tokens FLOPs.
#include <doctest/doctest.h>

#include "app/trace/trace.h"
#include "app/trace/trace_operands.h"

namespace gemmsim::app {
namespace {

const std::string kTraces = GEMMSIM_TRACES_DIR;

// FLOPs of the unbatched GEMMs (the linear layers), all counts.
double LinearFlops(const Trace& t) {
  double flops = 0;
  for (const TraceGemm& g : t.gemms)
    if (g.batch == 1) flops += 2.0 * g.m * g.n * g.k * g.count;
  return flops;
}

TEST_CASE("every bundled trace reads and its operands load") {
  struct Bundled {
    std::string file;
    size_t gemms;
  };
  const Bundled bundled[] = {
      {"gpt2-small-step.yaml", 21},
      {"llama2-7b-step.yaml", 30},
      {"llm-operands/trace.yaml", 3},
      {"h100-captures/trace.yaml", 6},
      {"h100-fp8-fp16-captures/trace.yaml", 2},
  };
  int loaded = 0;
  for (const Bundled& b : bundled) {
    CAPTURE(b.file);
    const Trace t = ReadTrace(kTraces + "/" + b.file);
    CHECK(t.gemms.size() == b.gemms);
    for (size_t i = 0; i < t.gemms.size(); ++i) {
      const TraceGemm& g = t.gemms[i];
      if (!g.a) continue;
      const TraceOperands ops =
          LoadTraceOperands(g, static_cast<int64_t>(i), SyntheticKind::kNormal,
                            0);  // checks every shape
      CHECK_FALSE(ops.synthetic());
      ++loaded;
    }
  }
  CHECK(loaded == 3 + 6 + 2);
}

TEST_CASE("model traces: a training step's linear-layer FLOPs") {
  // GPT-2 small: 12 x (768x2304 + 768x768 + 2 x 768x3072) + 768x50257
  // weights; 8 x 1024 tokens. Llama-2-7B: 32 x (4 x 4096^2 + 3 x
  // 4096x11008) + 4096x32000; 4096 tokens.
  const Trace gpt2 = ReadTrace(kTraces + "/gpt2-small-step.yaml");
  CHECK(LinearFlops(gpt2) == 6.0 * 123532032 * 8192);
  const Trace llama = ReadTrace(kTraces + "/llama2-7b-step.yaml");
  CHECK(LinearFlops(llama) == 6.0 * 6607077376 * 4096);
  int bf16 = 0;
  for (const Trace* t : {&gpt2, &llama})
    for (const TraceGemm& g : t->gemms) bf16 += g.dtype == "bf16";
  CHECK(bf16 == 51);
}

}  // namespace
}  // namespace gemmsim::app
