// The fast kernels on scaled operands equal DotProduct (the oracle) bit for
// bit: tensor scales that are not float32 values (per-tensor float scales,
// whose product sa * sb has up to 48 bits) rounded once with the total, in
// every deterministic output rounding; and block-scaled operands (MX: a
// power of two per block of 32, NVFP4: an e4m3fn value per block of 16)
// in the fp32-native kernel, which must refuse values or products that
// leave float32; and bf16 operands (no scales) whose values keep every
// product a float32 value.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "datapaths/arithmetic/kernel_registry.h"
#include "datapaths/formats/codec.h"
#include "tests/arithmetic/kernel_compare.h"

namespace gemmsim {
namespace {
using namespace testing;

Numerics Plain(const char* in, const char* acc) {
  Numerics n;
  n.a.format = n.b.format = FormatByName(in);
  n.accumulate.format = FormatByName(acc);
  return n;
}

TEST_CASE("every kernel rounds total x tensor scale once, as the oracle") {
  struct Case {
    const char* kernel;
    Numerics numerics;
  };
  Numerics tensor_core = Plain("e4m3fn", "fp32");
  tensor_core.accumulate.block = 16;
  tensor_core.accumulate.alignment = Alignment::kTruncate;
  tensor_core.accumulate.adder_fraction_bits = 23;
  tensor_core.accumulate.extra_bits = -10;
  tensor_core.accumulate.rounding.mode = Rounding::kTowardZero;
  Numerics integer = Plain("int8", "int24");
  integer.accumulate.integer_overflow = IntegerOverflow::kSaturate;
  const Case cases[] = {{"fp32-native", Plain("e4m3fn", "fp32")},
                        {"narrow-acc", Plain("e5m2", "fp16")},
                        {"block-fma", tensor_core},
                        {"int-acc", integer}};
  // Products of two float32 scales (not float32 values), a plain double,
  // and scales that push totals far out of every output format's range,
  // and out of double's (ProductForRounding's stand-ins).
  const double scales[] = {0.3713f * static_cast<double>(1.907f),
                           1.0 / 3,
                           0x1.8p-700,
                           0x1.8p+700,
                           0x1.8p-1020,
                           0x1.8p+1010};
  const char* outputs[] = {"fp32", "bf16", "e4m3fn", "fp16"};
  const Rounding modes[] = {Rounding::kNearestEven, Rounding::kNearestAway,
                            Rounding::kTowardZero,  Rounding::kUp,
                            Rounding::kDown,        Rounding::kToOdd};
  std::mt19937_64 rng(41);
  int64_t elements = 0, mismatches = 0, runs = 0;
  for (const Case& c : cases) {
    for (const double scale : scales) {
      for (const char* output : outputs) {
        for (const Rounding mode : modes) {
          Numerics n = c.numerics;
          n.output.format = FormatByName(output);
          n.output.rounding.mode = mode;
          n.output.overflow =
              mode == Rounding::kUp ? Overflow::kSaturate : Overflow::kIeee;
          const int64_t m = 3, nn = 11, k = 40;
          const std::vector<double> a = CodeValues(n.a.format, m * k, rng, 0);
          const std::vector<double> b = CodeValues(n.b.format, k * nn, rng, 0);
          GemmProblem p;
          p.m = m, p.n = nn, p.k = k;
          p.a = {a.data(), EminOf(n.a.format), nullptr};
          p.b = {b.data(), EminOf(n.b.format), nullptr};
          p.output_scale = scale;
          mismatches += CompareKernel(c.kernel, p, n, &elements);
          ++runs;
        }
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(runs == 4 * 6 * 4 * 6);
  CHECK(elements == runs * 3 * 11);
}

// A block-scaled operand: code values of `f` times a scale per block of
// `block` along K (A: rows [m, k]; B: [k, n], blocks down each column),
// with the per-element emin block scaling gives (emin + log2 scale; for a
// non-power-of-two scale, the exponent of its binade).
struct ScaledOperand {
  std::vector<double> values;
  std::vector<int16_t> emin;
};

ScaledOperand Scaled(const Format& f, int64_t rows, int64_t cols, bool by_rows,
                     int64_t block, const std::vector<double>& block_scales,
                     std::mt19937_64& rng, double special_rate) {
  ScaledOperand o;
  o.values = CodeValues(f, static_cast<size_t>(rows * cols), rng, special_rate);
  o.emin.resize(o.values.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const int64_t kk = by_rows ? c : r, line = by_rows ? r : c;
      const int64_t kblocks = ((by_rows ? cols : rows) + block - 1) / block;
      const double s = block_scales[static_cast<size_t>(
          (line * kblocks + kk / block) % block_scales.size())];
      const size_t e = static_cast<size_t>(r * cols + c);
      o.values[e] *= s;  // exact: a power of two, or 4 bits times 2 bits
      o.emin[e] = static_cast<int16_t>(f.min_normal_exponent() + std::ilogb(s));
    }
  return o;
}

TEST_CASE("fp32-native kernel on block-scaled operands equals the oracle") {
  std::mt19937_64 rng(43);
  std::uniform_int_distribution<int> exponent(-30, 30);
  std::vector<double> mx_scales(64), nvfp4_scales(64), extreme(64);
  const Format e4m3 = FormatByName("e4m3fn");
  std::uniform_int_distribution<uint64_t> e4m3_code(1, 0x7e);  // positive
  for (size_t i = 0; i < mx_scales.size(); ++i) {
    mx_scales[i] = std::ldexp(1.0, exponent(rng));
    nvfp4_scales[i] = Decode(e4m3, e4m3_code(rng));
    // E8M0's extremes: products below float32's smallest subnormal.
    extreme[i] = std::ldexp(1.0, i % 2 ? -127 : -100);
  }
  struct Case {
    const char* format;
    int64_t block;
    const std::vector<double>* scales;
    double special_rate;
    const char* kernel;
  };
  const Case cases[] = {
      {"e4m3fn", 32, &mx_scales, 0.0, "fp32-native"},
      {"e4m3fn", 32, &mx_scales, 0.01, "fp32-native"},
      {"e2m1fn", 32, &mx_scales, 0.0, "fp32-native"},
      {"e2m1fn", 16, &nvfp4_scales, 0.0, "fp32-native"},
      {"e2m1fn", 16, &nvfp4_scales, 0.01, "fp32-native"},
      {"e5m2", 32, &mx_scales, 0.0, "fp32-native"},
      {"e4m3fn", 32, &extreme, 0.0, "generic"},
  };
  int64_t elements = 0, mismatches = 0, runs = 0;
  for (const Case& c : cases) {
    const Numerics n = Plain(c.format, "fp32");
    const Format& f = n.a.format;
    const int64_t m = 7, nn = 19, k = 75;  // K: two whole blocks and a part
    const ScaledOperand a =
        Scaled(f, m, k, true, c.block, *c.scales, rng, c.special_rate);
    const ScaledOperand b =
        Scaled(f, k, nn, false, c.block, *c.scales, rng, c.special_rate);
    GemmProblem p;
    p.m = m, p.n = nn, p.k = k;
    p.a = {a.values.data(), f.min_normal_exponent(), a.emin.data()};
    p.b = {b.values.data(), f.min_normal_exponent(), b.emin.data()};
    p.output_scale = 0.75;  // NVFP4's tensor scales s_g
    if (std::string(c.kernel) == "generic") {
      CHECK(ChooseGemmKernel(n, p) == nullptr);
    } else {
      mismatches += CompareKernel(c.kernel, p, n, &elements);
    }
    ++runs;
  }
  CHECK(mismatches == 0);
  CHECK(runs == 7);
  CHECK(elements == 6 * 7 * 19);
}

}  // namespace
}  // namespace gemmsim

namespace gemmsim {
namespace {
using namespace testing;

// bf16 into fp32 (the Gaudi bf16 presets): the formats alone allow products
// outside float32, so fp32-native serves a GEMM only when its values keep
// every product a float32 value.
TEST_CASE("fp32-native kernel takes bf16 operands whose products fit fp32") {
  std::mt19937_64 rng(47);
  const Numerics n = Plain("bf16", "fp32");
  const int64_t m = 6, nn = 21, k = 50;
  int64_t elements = 0, mismatches = 0;
  for (const double special_rate : {0.0, 0.01}) {
    // bf16 values of moderate range: e5m2 codes given more bits.
    std::vector<double> a =
        CodeValues(FormatByName("e5m2"), m * k, rng, special_rate);
    std::vector<double> b = CodeValues(FormatByName("e5m2"), k * nn, rng, 0);
    for (double& x : a) x *= 1.0 + 0x1p-5;  // at most 8 bits: bf16 values
    GemmProblem p;
    p.m = m, p.n = nn, p.k = k;
    p.a = {a.data(), n.a.format.min_normal_exponent(), nullptr};
    p.b = {b.data(), n.b.format.min_normal_exponent(), nullptr};
    mismatches += CompareKernel("fp32-native", p, n, &elements);
    // One value near bf16's top: its products leave float32.
    b[7] = 0x1p120;
    CHECK(ChooseGemmKernel(n, p) != nullptr);  // block-fma or narrow-acc
    CHECK(std::string(ChooseGemmKernel(n, p)->name) != "fp32-native");
  }
  CHECK(mismatches == 0);
  CHECK(elements == 2 * m * nn);
}

}  // namespace
}  // namespace gemmsim
