// Block scaling (block_scaling.h): per-tensor scales, usage errors, stochastic
// rounding.
#include <doctest/doctest.h>

#include "tests/formats/block_scaling_test_support.h"

namespace gemmsim {
namespace {
using namespace testing;

TEST_CASE(
    "per_tensor scaling: amax maps to max; power_of_two never overflows") {
  struct Row {
    const char* format;
    double amax;
  };
  const Row rows[] = {{"e4m3fn", 1000}, {"e4m3fn", 3.3},  {"e4m3fn", 1e-3},
                      {"e4m3fn", 448},  {"e5m2", 1e9},    {"e5m2", 0.17},
                      {"e2m1fn", 123},  {"e3m2fn", 1e-9}, {"e2m3fn", 77},
                      {"int8", 5.5},    {"bf16", 1e30},   {"fp16", 3e-7}};
  std::mt19937_64 rng(99);
  int checked = 0, elements = 0;
  for (const Row& r : rows) {
    CAPTURE(r.format);
    CAPTURE(r.amax);
    const Format f = FormatByName(r.format);
    const double max = f.max_finite();
    const uint64_t max_code = f.max_finite_magnitude_code();
    EncodeOptions ieee;  // overflow: ieee, so an overflow would show
    std::vector<double> v = {r.amax, -r.amax};
    std::uniform_real_distribution<double> within(-r.amax, r.amax);
    for (int i = 0; i < 62; ++i) v.push_back(within(rng));

    // Float32 s = amax / max: the amax element lands on max.
    const ScaledVector q =
        QuantizeScaled(f, {ScalingKind::kPerTensor}, v, r.amax, ieee);
    const double s = q.tensor_scale;
    CHECK(static_cast<float>(s) == s);
    CHECK(std::fabs(r.amax / s - max) <= max * 0x1p-23);
    CHECK(q.codes[0] == max_code);
    CHECK(Decode(f, q.codes[1]) == -max);
    CHECK(q.block_scales.empty());

    // Power of two: max / 2 < amax / s <= max, and nothing overflows.
    const ScaledVector p =
        QuantizeScaled(f, {ScalingKind::kPerTensor, true}, v, r.amax, ieee);
    const double s2 = p.tensor_scale;
    int exponent;
    CHECK(std::frexp(s2, &exponent) == 0.5);
    CHECK(r.amax / s2 <= max);
    CHECK(r.amax / s2 > max / 2);
    for (uint64_t code : p.codes) {
      const CodeClass c = Classify(f, code);
      CHECK(c != CodeClass::kInf);
      CHECK(c != CodeClass::kNaN);
      ++elements;
    }
    const std::vector<double> back = DequantizeScaled(f, p);
    for (size_t i = 0; i < v.size(); ++i) CHECK(std::fabs(back[i]) <= max * s2);
    ++checked;
  }
  CHECK(checked == 12);
  CHECK(elements == 12 * 64);
}

TEST_CASE("per_tensor scales: hand-derived values") {
  struct Row {
    const char* format;
    double amax;
    bool power_of_two;
    double s;
  };
  const Row rows[] = {
      {"e4m3fn", 896, false, 2},               // 896 / 448
      {"e4m3fn", 1000, false, 0x1.1db6dcp+1},  // 125/56, float32 up
      {"int8", 1, false, 0x1.020408p-7},       // 1/127 = 0.0000001(0000001)b
      {"e4m3fn", 448, true, 1},                // exactly max: 2^0
      {"e4m3fn", 449, true, 2},                // just above: 2^1
      {"e4m3fn", 224, true, 0.5},              // 448 / 2
      {"e4m3fn", 224.0001, true, 1},
      {"e4m3fn", 1, true, 0x1p-8},  // 1/448 in (2^-9, 2^-8]
      {"int8", 127, true, 1},
      {"int8", 128, true, 2},
      {"int8", 1, true, 0x1p-6},  // 1/127 in (2^-7, 2^-6]
      {"e2m1fn", 6, true, 1},
      {"e2m1fn", 12, true, 2},
      {"e2m1fn", 12.1, true, 4},
      {"e2m1fn", 3, true, 0.5},
      {"e4m3fn", 1e-300, false, 0x1p-149},        // below float32: its smallest
      {"e4m3fn", 1e300, false, 0x1.fffffep+127},  // above: its largest
      {"e4m3fn", 1e-300, true, 0x1p-149},
      {"e4m3fn", 0, false, 1},  // nothing to scale
      {"e4m3fn", 0, true, 1},
      {"e4m3fn", kInf, false, 1},
      {"e4m3fn", kNaN, true, 1},
  };
  int checked = 0;
  for (const Row& r : rows) {
    CAPTURE(r.format);
    CAPTURE(r.amax);
    CAPTURE(r.power_of_two);
    const Format f = FormatByName(r.format);
    const ScalingSpec spec{ScalingKind::kPerTensor, r.power_of_two};
    CHECK(TensorScale(f, spec, r.amax) == r.s);
    const std::vector<double> one = {1.0};
    CHECK(QuantizeScaled(f, spec, one, r.amax, EncodeOptions{}).tensor_scale ==
          r.s);
    ++checked;
  }
  CHECK(checked == 22);
}

// The value the exact quotient x / s rounds to in `f`, decided with exact
// products only (g * s is exact in double for these formats and scales).
double RoundQuotientByDefinition(const reference::RoundingReference& ref,
                                 double x, double s, Rounding mode) {
  const std::vector<double>& grid = ref.grid();  // non-negative, ascending
  const double ax = std::fabs(x);
  // lo = the largest grid value with g * s <= |x|.
  const auto above =
      std::upper_bound(grid.begin(), grid.end(), ax,
                       [s](double a, double g) { return a < g * s; });
  const double lo = *(above - 1);
  if (lo * s == ax) return std::copysign(lo, x);
  const double hi = *above;
  const bool negative = std::signbit(x);
  double m;
  switch (mode) {
    case Rounding::kTowardZero:
      m = lo;
      break;
    case Rounding::kUp:
      m = negative ? lo : hi;
      break;
    case Rounding::kDown:
      m = negative ? hi : lo;
      break;
    default: {  // nearest: compare |x| with the midpoint, exactly
      const double mid = (lo + hi) / 2 * s;
      if (ax != mid) {
        m = ax < mid ? lo : hi;
      } else if (mode == Rounding::kNearestAway) {
        m = hi;
      } else {  // ties to even: the neighbour whose grid index is even
        m = ((above - grid.begin()) % 2 == 0) ? hi : lo;
      }
    }
  }
  return std::copysign(m, x);
}

TEST_CASE(
    "per_tensor scaling rounds the exact quotient x / s once, in every mode") {
  const char* formats[] = {"e4m3fn", "e2m1fn", "bf16"};
  const Rounding modes[] = {Rounding::kNearestEven, Rounding::kNearestAway,
                            Rounding::kTowardZero, Rounding::kUp,
                            Rounding::kDown};
  std::mt19937_64 rng(31337);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  int checked = 0;
  for (const char* name : formats) {
    const Format f = FormatByName(name);
    const reference::RoundingReference ref(f);
    for (double amax : {1000.0, 3.3, 0.07, 1e5}) {
      const double s = TensorScale(f, {ScalingKind::kPerTensor}, amax);
      // Random values, plus values a few double ulps either side of each
      // midpoint and each grid value times s (where a double quotient is
      // most likely to be rounded onto the wrong side).
      std::vector<double> v;
      for (int i = 0; i < 200; ++i) v.push_back(amax * unit(rng));
      const std::vector<double>& grid = ref.grid();
      for (size_t g = 1; g + 1 < grid.size(); g += grid.size() / 40 + 1) {
        for (double target : {grid[g] * s, (grid[g] + grid[g + 1]) / 2 * s}) {
          if (target > amax) continue;
          double below = target, above = target;
          for (int k = 0; k < 3; ++k) {
            below = std::nextafter(below, 0.0);
            above = std::nextafter(above, kInf);
            v.insert(v.end(), {below, above, -below, -above});
          }
          v.push_back(target);
        }
      }
      for (Rounding mode : modes) {
        CAPTURE(name);
        CAPTURE(amax);
        CAPTURE(RoundingName(mode));
        EncodeOptions o;
        o.rounding.mode = mode;
        o.overflow = Overflow::kSaturate;
        const ScaledVector q =
            QuantizeScaled(f, {ScalingKind::kPerTensor}, v, amax, o);
        REQUIRE(q.tensor_scale == s);
        for (size_t i = 0; i < v.size(); ++i) {
          CAPTURE(v[i]);
          const double want = RoundQuotientByDefinition(ref, v[i], s, mode);
          CHECK(Decode(f, q.codes[i]) ==
                std::clamp(want, -f.max_finite(), f.max_finite()));
          ++checked;
        }
      }
    }
  }
  CHECK(checked > 3 * 4 * 5 * 200);
  MESSAGE(checked << " quotients checked");
}

TEST_CASE("per_tensor scaling: no double rounding through a float64 quotient") {
  // A wide element format (41 significant bits) and a float32 scale of 24
  // bits: t * s has up to 66 bits, so x = t * s rounded to double lies a hair
  // off t * s, and x / s rounded to double lands exactly on t. For t a
  // midpoint of e8m40, rne of that double quotient is a tie (to even), but
  // the exact quotient t + (x - t s) / s lies on one side of it.
  const Format f = FormatByName("e8m40");
  const double s = 1 + 0x1p-23;  // float32: 24 significant bits
  const double amax = f.max_finite() * s;
  REQUIRE(TensorScale(f, {ScalingKind::kPerTensor}, amax) == s);
  std::mt19937_64 rng(8);
  std::uniform_int_distribution<uint64_t> odd(0, (uint64_t{1} << 39) - 1);
  std::vector<double> v, want;
  int double_quotient_wrong = 0;
  for (int i = 0; i < 400; ++i) {
    // t = 1 + (2k + 1) 2^-41: the midpoint of two e8m40 neighbours 2^-40
    // apart (e8m40 has 40 fraction bits).
    const double t = 1 + std::ldexp(static_cast<double>(2 * odd(rng) + 1), -41);
    const double x = t * s;               // rounded to double
    const double e = std::fma(-t, s, x);  // x - t s, exactly
    if (e == 0) continue;                 // x / s is the tie itself
    const double sign = i % 2 ? -1 : 1;
    v.push_back(sign * x);
    want.push_back(sign * (e > 0 ? t + 0x1p-41 : t - 0x1p-41));
    const double plain = x / s;  // what a float64 quotient would round
    EncodeOptions rne;
    double_quotient_wrong += RoundTo(f, plain, rne) != want.back() * sign;
  }
  const ScaledVector q =
      QuantizeScaled(f, {ScalingKind::kPerTensor}, v, amax, EncodeOptions{});
  int checked = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    CAPTURE(v[i]);
    CHECK(Decode(f, q.codes[i]) == want[i]);
    ++checked;
  }
  CHECK(checked > 300);
  CHECK(double_quotient_wrong > 50);  // the trap this test guards is real
}

TEST_CASE("scaling: element formats a scheme does not allow are usage errors") {
  const std::vector<double> v = {1.0, 2.0};
  const auto code = [&](const char* format, ScalingSpec spec) {
    return ThrownCode([&] {
      QuantizeScaled(FormatByName(format), spec, v, 2.0, EncodeOptions{});
    });
  };
  int checked = 0;
  for (const char* bad : {"fp16", "bf16", "fp32", "e4m3", "e4m3fnuz",
                          "e5m2fnuz", "e3m4", "e8m0fnu", "int4", "uint8"}) {
    CAPTURE(bad);
    CHECK(code(bad, {ScalingKind::kMx}) == ExitCode::kUsage);
    CHECK(ThrownCode([&] { MxElementEmax(FormatByName(bad)); }) ==
          ExitCode::kUsage);
    ++checked;
  }
  for (const char* bad : {"e4m3fn", "e2m3fn", "e3m2fn", "int8", "fp16"}) {
    CAPTURE(bad);
    CHECK(code(bad, {ScalingKind::kNvfp4}) == ExitCode::kUsage);
    ++checked;
  }
  CHECK(checked == 15);
  // The allowed ones pass.
  for (const char* good :
       {"e4m3fn", "e5m2", "e3m2fn", "e2m3fn", "e2m1fn", "int8"})
    CHECK(code(good, {ScalingKind::kMx}) == ExitCode::kOk);
  CHECK(code("e2m1fn", {ScalingKind::kNvfp4}) == ExitCode::kOk);
  CHECK(code("fp16", {ScalingKind::kPerTensor, true}) == ExitCode::kOk);
  CHECK(code("fp16", {ScalingKind::kNone}) == ExitCode::kOk);
  // power_of_two belongs to per_tensor.
  CHECK(code("e4m3fn", {ScalingKind::kMx, true}) == ExitCode::kUsage);
  CHECK(code("e2m1fn", {ScalingKind::kNvfp4, true}) == ExitCode::kUsage);
  CHECK(code("e4m3fn", {ScalingKind::kNone, true}) == ExitCode::kUsage);
  // Caller bugs are internal errors, not usage errors.
  CHECK(ThrownCode([&] {
          QuantizeScaled(FormatByName("e4m3fn"), {ScalingKind::kPerTensor}, v,
                         -1.0, EncodeOptions{});
        }) == ExitCode::kInternal);
  ScaledVector broken = Mx(FormatByName("e4m3fn"), std::vector<double>(40, 1));
  broken.block_scales.pop_back();
  CHECK(ThrownCode([&] { DequantizeScaled(FormatByName("e4m3fn"), broken); }) ==
        ExitCode::kInternal);
  const ScaledVector mx = Mx(FormatByName("e4m3fn"), v);
  CHECK(ThrownCode([&] {
          DequantizeScaled(FormatByName("e4m3fn"), ScalingKind::kNvfp4, mx);
        }) == ExitCode::kInternal);
  CHECK(DequantizeScaled(FormatByName("e4m3fn"), ScalingKind::kMx, mx) ==
        DequantizeScaled(FormatByName("e4m3fn"), mx));
}

TEST_CASE("scaling none: plain Encode with the caller's options") {
  const Format f = FormatByName("e4m3fn");
  const std::vector<double> v = {1.3, -500, 1e-5, kNaN};
  EncodeOptions o;  // ieee overflow: 500 is beyond 464, the 448|512 midpoint
  const ScaledVector q = QuantizeScaled(f, {ScalingKind::kNone}, v, 0, o);
  CHECK(q.block == 0);
  CHECK(q.tensor_scale == 1);
  CHECK(q.block_scales.empty());
  int checked = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    CHECK(q.codes[i] == Encode(f, v[i], o));
    ++checked;
  }
  CHECK(checked == 4);
  CHECK(Classify(f, q.codes[1]) == CodeClass::kNaN);  // e4m3fn has no Inf
}

TEST_CASE("stochastic MX and NVFP4: reproducible and split-invariant") {
  std::mt19937_64 rng(5);
  const std::vector<double> v = RandomBlock(rng, 100, 4, 12);
  EncodeOptions o;
  o.rounding.mode = Rounding::kStochastic;
  const RandomKey key{77, StreamTensor::kA};
  const RandomKey other{78, StreamTensor::kA};
  int checked = 0;
  for (const char* name : {"e4m3fn", "e2m1fn", "int8"}) {
    for (ScalingKind kind : {ScalingKind::kMx, ScalingKind::kNvfp4}) {
      const Format f = FormatByName(name);
      if (kind == ScalingKind::kNvfp4 && f.name() != "e2m1fn") continue;
      CAPTURE(name);
      CAPTURE(ScalingName(kind));
      const double amax = 16;
      const ScaledVector a = QuantizeScaled(f, {kind}, v, amax, o, key, 1000);
      const ScaledVector b = QuantizeScaled(f, {kind}, v, amax, o, key, 1000);
      CHECK(a.codes == b.codes);
      // Another seed draws other bits: some element rounds the other way.
      CHECK(QuantizeScaled(f, {kind}, v, amax, o, other, 1000).codes !=
            a.codes);
      // Split at a block boundary (64 is one for both block sizes).
      const std::span<const double> all(v);
      const ScaledVector head =
          QuantizeScaled(f, {kind}, all.first(64), amax, o, key, 1000);
      const ScaledVector tail =
          QuantizeScaled(f, {kind}, all.subspan(64), amax, o, key, 1064);
      std::vector<uint64_t> joined = head.codes;
      joined.insert(joined.end(), tail.codes.begin(), tail.codes.end());
      CHECK(joined == a.codes);
      std::vector<uint64_t> scales = head.block_scale_codes;
      scales.insert(scales.end(), tail.block_scale_codes.begin(),
                    tail.block_scale_codes.end());
      CHECK(scales == a.block_scale_codes);
      ++checked;
    }
  }
  CHECK(checked == 4);
}

// Mean of N stochastic quantizations of one block. One draw has standard
// deviation at most gap / 2 (gap: the spacing of the two neighbours); the
// mean of N is within 6 / sqrt(N) of that of its expectation except with
// probability < 2e-9 per element, and 32 random bits bias it by < gap 2^-32.
TEST_CASE("stochastic MX quantization is unbiased") {
  constexpr int kDraws = 4000;
  int checked = 0;
  for (const char* name : {"e4m3fn", "int8"}) {
    CAPTURE(name);
    const Format f = FormatByName(name);
    // amax 400 (e4m3fn: X = 0, all below 448) / 1.9 (int8: X = 0, all
    // below 127 * 2^-6): no element saturates, which would bias the mean.
    const double amax = f.is_float() ? 400 : 1.9;
    std::vector<double> v(32);
    for (int i = 0; i < 32; ++i)
      v[i] = amax * std::sin(1.0 + 2.7 * i) * (i % 5 == 0 ? 1e-3 : 1);
    v[7] = amax;
    std::vector<double> sum(32, 0.0);
    EncodeOptions o;
    o.rounding.mode = Rounding::kStochastic;
    for (int d = 0; d < kDraws; ++d) {
      const RandomKey key{static_cast<uint64_t>(d), StreamTensor::kQuantize};
      const std::vector<double> back = DequantizeScaled(
          f, QuantizeScaled(f, {ScalingKind::kMx}, v, 0, o, key));
      for (int i = 0; i < 32; ++i) sum[i] += back[i];
    }
    const double unit = f.is_float() ? 1.0 : 0x1p-6;  // X = 0
    int moved = 0;
    for (int i = 0; i < 32; ++i) {
      CAPTURE(v[i]);
      const double gap = 2 * HalfUlp(f, v[i] / unit) * unit;
      const double bound =
          gap * std::ldexp(1.0, -32) + 6 / std::sqrt(double{kDraws}) * gap / 2;
      CHECK(std::fabs(sum[i] / kDraws - v[i]) <= bound);
      moved += RoundTo(f, v[i] / unit, EncodeOptions{}) * unit != v[i];
      ++checked;
    }
    CHECK(moved > 16);  // most elements are not on the grid: a real test
  }
  CHECK(checked == 64);
}

}  // namespace
}  // namespace gemmsim
