// Random small GEMMs for the MAC array tests (plain C++, no SystemC).
#ifndef GEMMSIM_TESTS_MODELS_MAC_ARRAY_TEST_UTIL_H_
#define GEMMSIM_TESTS_MODELS_MAC_ARRAY_TEST_UTIL_H_

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "datapaths/arithmetic/gemm.h"
#include "datapaths/arithmetic/numerics.h"
#include "datapaths/formats/codec.h"

namespace gemmsim::testing {

// Owns the buffers a GemmProblem points into.
struct RandomGemm {
  std::vector<double> a, b, c;
  GemmProblem problem;
};

// Values of `format` around +-scale (saturated to its largest finite), with
// some exact zeros; c is empty (null) or values of fp32.
inline RandomGemm MakeRandomGemm(std::mt19937_64& rng, int64_t m, int64_t n,
                                 int64_t k, const Format& format, double scale,
                                 bool with_c) {
  std::normal_distribution<double> normal(0.0, scale);
  std::uniform_int_distribution<int> percent(0, 99);
  const EncodeOptions saturate{RoundingSpec{}, Overflow::kSaturate};
  auto value = [&](const Format& f) {
    return percent(rng) < 5 ? 0.0 : RoundTo(f, normal(rng), saturate);
  };
  RandomGemm g;
  for (int64_t i = 0; i < m * k; ++i) g.a.push_back(value(format));
  for (int64_t i = 0; i < k * n; ++i) g.b.push_back(value(format));
  if (with_c) {
    const Format fp32 = FormatByName("fp32");
    for (int64_t i = 0; i < m * n; ++i) g.c.push_back(value(fp32));
  }
  g.problem.m = m;
  g.problem.n = n;
  g.problem.k = k;
  g.problem.a = {g.a.data(), format.min_normal_exponent(), nullptr};
  g.problem.b = {g.b.data(), format.min_normal_exponent(), nullptr};
  g.problem.c = with_c ? g.c.data() : nullptr;
  return g;
}

// Block-1 numerics: `input` operands, accumulate in `acc` with `rounding`,
// output in `out` (rne).
inline Numerics MacNumerics(const std::string& input, const std::string& acc,
                            Rounding rounding, const std::string& out) {
  Numerics n;
  n.name = input + "/" + acc + "/" + out;
  n.a.format = n.b.format = FormatByName(input);
  n.accumulate.format = FormatByName(acc);
  n.accumulate.rounding.mode = rounding;
  n.output.format = FormatByName(out);
  return n;
}

// Bitwise equality of doubles (tells -0 from +0, NaN equals NaN).
inline bool SameBits(double x, double y) {
  uint64_t a = 0, b = 0;
  std::memcpy(&a, &x, sizeof a);
  std::memcpy(&b, &y, sizeof b);
  return a == b || (x != x && y != y);
}

}  // namespace gemmsim::testing

#endif  // GEMMSIM_TESTS_MODELS_MAC_ARRAY_TEST_UTIL_H_
