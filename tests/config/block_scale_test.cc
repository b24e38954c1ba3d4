// accumulate.block_scale (numerics.h, BlockScaleAt): where mx and nvfp4
// block scales enter. block_sum is checked against its definition composed
// from other pieces: each block of unscaled elements summed by the oracle
// alone (a K = block problem), multiplied by its scales, and added to the
// accumulator in float32 arithmetic (kept to steps TwoSum proves exact
// before one rounding). Under exact alignment both semantics coincide (the
// scales are exact factors of every product); under a narrow truncating
// adder with nvfp4's e4m3 scales they do not, and the key decides.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "app/config/numerics_file.h"
#include "app/tensor_values.h"
#include "app/trace/evaluate.h"
#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/kernel_registry.h"

namespace gemmsim {
namespace {

// Float32 operands whose magnitude changes every 16 elements along K, so
// that neighbouring blocks get different scales. With `zeros` (A: -0, B:
// every value >= 0) the magnitude changes every 32, about one run of 32 in
// eight is -0 in A, and so is A's row 0: blocks of -0 products, whose sums
// keep c = -0.
app::OperandTensor Operand(const char* name, int64_t rows, int64_t cols,
                           bool k_is_cols, uint64_t seed, bool zeros = false) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_int_distribution<int> binade(-6, zeros && k_is_cols ? 7 : 6);
  const int64_t k = k_is_cols ? cols : rows, lines = k_is_cols ? rows : cols;
  const int64_t run = zeros ? 32 : 16, blocks = (k + run - 1) / run;
  std::vector<int> shift(static_cast<size_t>(blocks * lines));
  for (int& s : shift) s = binade(rng);
  std::vector<double> v(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const int64_t kk = k_is_cols ? c : r, line = k_is_cols ? r : c;
      const int s = shift[line * blocks + kk / run];
      const double x =
          zeros && !k_is_cols ? std::fabs(normal(rng)) : normal(rng);
      // Row 0 of A all -0: D's row 0 is c = -0 only if every block keeps it.
      const bool zero = s == 7 || (zeros && k_is_cols && r == 0);
      v[r * cols + c] = zero ? -0.0 : std::ldexp(x, s);
    }
  return {name, app::FloatTensor({rows, cols}, v, true)};
}

// The definition of block_sum, composed: D[i][j] from the prepared
// operands' unscaled elements and block scales. Returns false where a
// float32 step was not provably one rounding (then not compared).
bool ComposedBlockSum(const app::PreparedGemm& g, const Numerics& n, int64_t i,
                      int64_t j, double* d) {
  const app::GemmShapes& s = g.shapes;
  const int64_t block = n.accumulate.block;
  Numerics one_block = n;  // the block's products alone, rounded once
  one_block.accumulate.block_scale = BlockScaleAt::kProduct;
  one_block.accumulate.accumulator_entry = AccumulatorEntry::kInBlock;
  one_block.output.format = n.accumulate.format;
  one_block.output.rounding = n.accumulate.rounding;
  const GemmProblem whole = app::ProblemOf(g, 0, 0, s.m);
  float acc = 0.0f;
  std::vector<double> a(block), b(block);
  for (int64_t k0 = 0; k0 < s.k; k0 += block) {
    const double sa = whole.a.ScaleOf(i, s.k, k0),
                 sb = whole.b.ScaleOf(j, s.k, k0);
    for (int64_t kk = 0; kk < block; ++kk) {
      a[kk] = whole.a.values[i * s.k + k0 + kk] / sa;
      b[kk] = whole.b.values[(k0 + kk) * s.n + j] / sb;
    }
    GemmProblem p;
    p.m = p.n = 1;
    p.k = block;
    p.a = {a.data(), whole.a.emin, nullptr};
    p.b = {b.data(), whole.b.emin, nullptr};
    double sum = 0;
    RunGemmKernel(nullptr, p, one_block, &sum, 1);
    const double x = sum * (sa * sb);  // exact: <= 24 + 8 bits
    const double hi = static_cast<double>(acc) + x;
    const double bb = hi - acc;
    const double lo = (acc - (hi - bb)) + (x - bb);
    if (lo != 0 || !std::isfinite(hi)) return false;
    acc = static_cast<float>(hi);  // the one rne rounding of acc + x
  }
  *d = acc;
  return true;
}

bool SameBits(double x, double y) {
  return std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(y);
}

struct Run {
  int64_t compared = 0, skipped = 0, mismatches = 0, differ_from_product = 0;
};

Run Check(const char* scaling, const char* format,
          const std::vector<std::string>& adder, const char* kernel) {
  const int64_t m = 6, k = 96, nn = 5;
  const app::OperandTensor a = Operand("a", m, k, true, 1);
  const app::OperandTensor b = Operand("b", k, nn, false, 2);
  const int block = std::string(scaling) == "mx" ? 32 : 16;
  std::vector<std::string> sets = {std::string("inputs.a.format=") + format,
                                   std::string("inputs.b.format=") + format,
                                   std::string("inputs.a.scaling=") + scaling,
                                   std::string("inputs.b.scaling=") + scaling,
                                   "accumulate.block=" + std::to_string(block),
                                   "accumulate.accumulator_entry=after_block"};
  sets.insert(sets.end(), adder.begin(), adder.end());
  const Numerics product = app::LoadNumerics("fp8-acc-fp32", sets);
  sets.push_back("accumulate.block_scale=block_sum");
  const Numerics block_sum = app::LoadNumerics("fp8-acc-fp32", sets);
  const app::PreparedGemm g = app::PrepareGemm(a, b, nullptr, block_sum);
  REQUIRE(g.a.scale_block == block);
  REQUIRE(g.b.scale_block == block);
  CHECK(GemmKernelName(block_sum, app::ProblemOf(g, 0, 0, m)) == kernel);
  // The tensor scale (nvfp4) applies at the output, alike in both.
  const std::vector<double> d = app::EmulateGemm(g, block_sum, 2);
  const std::vector<double> d_product = app::EmulateGemm(g, product, 2);
  Run run;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < nn; ++j) {
      const double got = d[i * nn + j];
      run.differ_from_product += !SameBits(got, d_product[i * nn + j]);
      double want = 0;
      if (!ComposedBlockSum(g, block_sum, i, j, &want)) {
        ++run.skipped;
        continue;
      }
      ++run.compared;
      want =
          g.output_scale == 1.0
              ? want
              : static_cast<double>(static_cast<float>(want * g.output_scale));
      if (!SameBits(got, want) && run.mismatches++ < 3)
        MESSAGE(scaling << " (" << i << "," << j << "): got " << got << " want "
                        << want);
    }
  return run;
}

TEST_CASE("block_sum: the block's unscaled sum, times its scales, added") {
  // Exact alignment: both semantics give the same bits.
  const Run mx = Check("mx", "e4m3fn", {}, "fp32-native");
  CHECK(mx.mismatches == 0);
  CHECK(mx.compared + mx.skipped == 30);
  CHECK(mx.compared >= 25);
  CHECK(mx.differ_from_product == 0);
  // A 6-bit truncating adder: the e4m3 scales of nvfp4 move the grid.
  const Run nv = Check(
      "nvfp4", "e2m1fn",
      {"accumulate.alignment=truncate", "accumulate.adder_fraction_bits=23",
       "accumulate.extra_bits=-17", "accumulate.rounding=rtz"},
      "generic");
  CHECK(nv.mismatches == 0);
  CHECK(nv.compared + nv.skipped == 30);
  CHECK(nv.compared >= 25);
  CHECK(nv.differ_from_product > 0);
}

// The block_sum modes of narrow-acc and fp32-native against the oracle, bit
// for bit:
// MXFP8 (e4m3fn, e5m2: its sums need the TwoSum check), MXFP6, MXFP4 and
// NVFP4 operands with wide magnitude swings, roundings of the block sum and
// of the after-block addition, promotion, odd shapes and few outputs,
// on every instruction-set variant.
TEST_CASE("the kernels' block_sum modes equal the oracle") {
  struct Case {
    const char* scaling;
    const char* format;
    int block;
    std::vector<std::string> more;
    const char* kernel;
  };
  const char* narrow = "narrow-acc";
  const char* native = "fp32-native";  // block sums exact in float/double
  const Case cases[] = {
      {"mx", "e4m3fn", 32, {"accumulate.rounding=rtz"}, narrow},
      {"mx", "e5m2", 32, {"accumulate.rounding=rtz"}, narrow},
      {"mx", "e3m2fn", 8, {"accumulate.after_block_rounding=rdown"}, narrow},
      {"mx",
       "e2m1fn",
       32,
       {"accumulate.format=bf16", "accumulate.promote={every: 64}"},
       narrow},
      {"nvfp4", "e2m1fn", 16, {"accumulate.format=fp16"}, narrow},
      {"nvfp4",
       "e2m1fn",
       4,
       {"accumulate.rounding=rup", "accumulate.after_block_rounding=rtz"},
       narrow},
      {"mx", "e2m1fn", 32, {}, native},
      {"mx", "e4m3fn", 32, {}, native},  // exact block sums in double
      {"nvfp4", "e2m1fn", 16, {"accumulate.rounding=rtz"}, native},
      {"mx", "e3m2fn", 32, {}, native},
      {"mx", "e2m3fn", 8, {"accumulate.promote={every: 64}"}, native},
  };
  const int64_t shapes[][3] = {{5, 70, 96}, {1, 1, 64}, {3, 2, 40}};
  int64_t elements = 0, mismatches = 0, variants = 0;
  for (Isa isa : SupportedIsas()) {
    const ScopedIsa forced(isa);
    ++variants;
    for (const Case& c : cases)
      for (const auto& shape : shapes) {
        const int64_t m = shape[0], nn = shape[1], k = shape[2];
        std::vector<std::string> sets = {
            std::string("inputs.a.format=") + c.format,
            std::string("inputs.b.format=") + c.format,
            std::string("inputs.a.scaling=") + c.scaling,
            std::string("inputs.b.scaling=") + c.scaling,
            "accumulate.block=" + std::to_string(c.block),
            "accumulate.accumulator_entry=after_block",
            "accumulate.block_scale=block_sum"};
        sets.insert(sets.end(), c.more.begin(), c.more.end());
        const Numerics n = app::LoadNumerics("fp8-acc-fp32", sets);
        const app::OperandTensor a = Operand(
            "a", m, k, true, 10 + static_cast<uint64_t>(elements), true);
        const app::OperandTensor b = Operand(
            "b", k, nn, false, 20 + static_cast<uint64_t>(elements), true);
        // c = -0 (mx: no tensor scale): a block of -0 products keeps it -0.
        const app::OperandTensor addend{
            "c",
            app::FloatTensor({m, nn}, std::vector<double>(m * nn, -0.0), true)};
        const bool with_c = std::string(c.scaling) == "mx";
        const app::PreparedGemm g =
            app::PrepareGemm(a, b, with_c ? &addend : nullptr, n);
        const GemmProblem p = app::ProblemOf(g, 0, 0, m);
        const GemmKernel* kernel = ChooseGemmKernel(n, p);
        REQUIRE(kernel != nullptr);
        CHECK(std::string(kernel->name) == c.kernel);
        std::vector<double> got(m * nn), want(m * nn);
        RunGemmKernel(kernel, p, n, got.data(), 2);
        RunGemmKernel(nullptr, p, n, want.data(), 1);
        for (int64_t e = 0; e < m * nn; ++e) {
          ++elements;
          if (!SameBits(got[e], want[e]) && mismatches++ < 3)
            MESSAGE(c.scaling << " " << c.format << " " << m << "x" << nn << "x"
                              << k << " element " << e << ": got " << got[e]
                              << " want " << want[e]);
        }
      }
  }
  CHECK(mismatches == 0);
  CHECK(elements == variants * 11 * (5 * 70 + 1 + 6));
}

}  // namespace
}  // namespace gemmsim
