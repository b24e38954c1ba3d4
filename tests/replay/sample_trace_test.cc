// SampleTraceGemm (--sample on a trace GEMM): drawing and quantizing only
// the rows of synthetic A and columns of synthetic B that the sample reads
// gives the sampled elements of the full path bit for bit (batches, B from
// a file and shared by the batches, an addend, an observed output,
// stochastic accumulation, MX block scales, MXINT8's tensor scale, the
// narrow-acc kernel's samples evaluated four at a time), and the
// schemes that need the whole operand (per_tensor, nvfp4, stochastic input
// rounding) fall back to it.
#include <doctest/doctest.h>

#include <bit>
#include <cstring>

#include "app/config/numerics_file.h"
#include "app/tensor_values.h"
#include "app/trace/element_sample.h"
#include "app/trace/evaluate.h"
#include "app/trace/trace_operands.h"
#include "tests/replay/random_tensor.h"

namespace gemmsim::app {
namespace {

OperandTensor Random(const std::string& name, std::vector<int64_t> shape,
                     uint64_t seed) {
  return {name, testing::RandomFloatTensor(shape, -0.5, seed)};
}

float At(const OperandTensor& t, int64_t i) {
  float x;
  std::memcpy(&x, t.tensor.data.data() + i * sizeof(float), sizeof(float));
  return x;
}

TraceGemm ShapeOnlyGemm() {
  TraceGemm g;
  g.name = "g";
  g.m = 20;
  g.n = 30;
  g.k = 64;
  g.batch = 3;
  return g;
}

TEST_CASE("DrawSyntheticLines equals the same elements of the full draw") {
  TraceGemm g = ShapeOnlyGemm();
  g.k = 40;
  int64_t checked = 0;
  for (const SyntheticKind kind :
       {SyntheticKind::kNormal, SyntheticKind::kLognormal,
        SyntheticKind::kUniform, SyntheticKind::kOutliers}) {
    const OperandTensor a =
        DrawSyntheticOperand(g, OperandRole::kA, kind, 4, 2);
    const OperandTensor b =
        DrawSyntheticOperand(g, OperandRole::kB, kind, 4, 2);
    const std::vector<int64_t> rows{0, 7, 21, 59}, cols{1, 29, 30, 89};
    const OperandTensor ra =
        DrawSyntheticLines(g, OperandRole::kA, kind, 4, 2, rows);
    const OperandTensor cb =
        DrawSyntheticLines(g, OperandRole::kB, kind, 4, 2, cols);
    REQUIRE(ra.tensor.shape == std::vector<int64_t>{4, g.k});
    REQUIRE(cb.tensor.shape == std::vector<int64_t>{g.k, 4});
    for (int64_t r = 0; r < 4; ++r) {
      for (int64_t kk = 0; kk < g.k; ++kk) {
        CHECK(std::bit_cast<uint32_t>(At(ra, r * g.k + kk)) ==
              std::bit_cast<uint32_t>(At(a, rows[r] * g.k + kk)));
        const int64_t batch = cols[r] / g.n, col = cols[r] % g.n;
        CHECK(std::bit_cast<uint32_t>(At(cb, kk * 4 + r)) ==
              std::bit_cast<uint32_t>(At(b, (batch * g.k + kk) * g.n + col)));
        checked += 2;
      }
    }
  }
  CHECK(checked == 4 * 4 * 40 * 2);
}

// The sample through SampleTraceGemm against DrawElementSample on the fully
// drawn and quantized operands; returns the elements compared.
int64_t CompareToFullPath(const TraceGemm& gemm, const TraceOperands& files,
                          const Numerics& n, int64_t samples, int threads) {
  TraceOperands full = files;
  const SyntheticKind kind = *files.synthetic_kind;
  if (files.synthetic_a)
    full.a = DrawSyntheticOperand(gemm, OperandRole::kA, kind, 8, 6);
  if (files.synthetic_b)
    full.b = DrawSyntheticOperand(gemm, OperandRole::kB, kind, 8, 6);
  const PreparedGemm g = PrepareGemm(full, n);
  const ElementSample want = DrawElementSample(g, n, full, samples, 9, threads);
  const std::vector<double> full_d = EmulateGemm(g, n, 2);
  const ElementSample got =
      SampleTraceGemm(gemm, 6, files, 8, n, samples, 9, threads);
  REQUIRE(got.elements == want.elements);
  REQUIRE(got.indices == want.indices);
  REQUIRE(got.observed.size() == want.observed.size());
  int64_t checked = 0;
  for (size_t j = 0; j < want.indices.size(); ++j) {
    CHECK(std::bit_cast<uint64_t>(got.d[j]) ==
          std::bit_cast<uint64_t>(want.d[j]));
    CHECK(std::bit_cast<uint64_t>(got.d[j]) ==
          std::bit_cast<uint64_t>(full_d[static_cast<size_t>(got.indices[j])]));
    CHECK(std::bit_cast<uint64_t>(got.exact[j]) ==
          std::bit_cast<uint64_t>(want.exact[j]));
    if (!want.observed.empty()) CHECK(got.observed[j] == want.observed[j]);
    ++checked;
  }
  return checked;
}

TEST_CASE("sampling a shape-only GEMM by lines equals the full path") {
  const TraceGemm gemm = ShapeOnlyGemm();
  TraceOperands shape_only;
  shape_only.synthetic_a = shape_only.synthetic_b = true;
  shape_only.synthetic_kind = SyntheticKind::kOutliers;
  // A drawn; B a file shared by the batches; C and observed given.
  TraceOperands mixed;
  mixed.synthetic_a = true;
  mixed.synthetic_kind = SyntheticKind::kLognormal;
  mixed.b = Random("b", {64, 30}, 12);
  mixed.c = Random("c", {3, 20, 30}, 13);
  mixed.observed = Random("observed", {3, 20, 30}, 14);
  // A tensor scale (per_tensor, nvfp4, MX int8) refuses an addend C.
  TraceOperands mixed_no_c = mixed;
  mixed_no_c.c.reset();

  const std::vector<std::pair<std::vector<std::string>, bool>> variants = {
      {{}, true},
      {{"accumulate.rounding=stochastic", "seed=5"}, true},
      {{"inputs.a={format: e4m3fn, scaling: mx}",
        "inputs.b={format: e4m3fn, scaling: mx}"},
       true},
      {{"inputs.a={format: e4m3fn, scaling: mx}",
        "inputs.b={format: e4m3fn, scaling: mx}", "accumulate.block=32",
        "accumulate.accumulator_entry=after_block",
        "accumulate.block_scale=block_sum"},
       true},
      {{"inputs.a={format: int8, scaling: mx}",
        "inputs.b={format: int8, scaling: mx}"},
       true},
      {{"inputs.a={format: e4m3fn, scaling: per_tensor}"}, false},
      {{"inputs.b={format: e2m1fn, scaling: nvfp4}"}, false},
      {{"inputs.a={format: e4m3fn, rounding: stochastic}", "seed=3"}, false},
  };
  int64_t checked = 0, by_line = 0;
  for (const char* name :
       {"fp8-acc-fp16", "h100-e4m3-fp32", "gaudi2-bf16-fp32"}) {
    for (const auto& [sets, line_wise] : variants) {
      const std::string numerics_name = name;
      CAPTURE(numerics_name);
      const std::string set_text = sets.empty() ? "" : sets.front();
      CAPTURE(set_text);
      const Numerics n = LoadNumerics(name, sets);
      const bool by_lines = QuantizesByLine(n.a) && QuantizesByLine(n.b);
      CHECK(by_lines == line_wise);
      by_line += by_lines;
      const bool tensor_scaled =
          set_text.find("int8") != std::string::npos ||
          set_text.find("per_tensor") != std::string::npos ||
          set_text.find("nvfp4") != std::string::npos;
      for (const TraceOperands* files :
           {&shape_only, tensor_scaled ? &mixed_no_c : &mixed}) {
        checked += CompareToFullPath(gemm, *files, n, 50, 3);
        checked += CompareToFullPath(gemm, *files, n, 1 << 20, 1);
      }
    }
  }
  CHECK(by_line == 3 * 5);
  CHECK(checked == 3 * 8 * 2 * (50 + 1800));
}

}  // namespace
}  // namespace gemmsim::app
