// Helpers of the kernel tests: operands from random codes of a format, and
// one fast kernel's D against the oracle's (DotProduct per element), bit for
// bit.
#pragma once

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/kernel_registry.h"
#include "datapaths/formats/codec.h"

namespace gemmsim::testing {

inline bool SameBits(double a, double b) {
  return std::isnan(a)
             ? std::isnan(b)
             : std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

// Values of random finite codes of `f`, a tenth of them signed zeros, and
// Inf or NaN at `special_rate`.
inline std::vector<double> CodeValues(const Format& f, size_t count,
                                      std::mt19937_64& rng,
                                      double special_rate) {
  std::vector<double> v(count);
  std::uniform_int_distribution<uint64_t> code(0, f.code_mask());
  std::uniform_real_distribution<double> u(0, 1);
  for (double& x : v) {
    do {
      x = Decode(f, code(rng));
    } while (!std::isfinite(x));
    if (u(rng) < 0.1) x = u(rng) < 0.5 ? 0.0 : -0.0;
    if (u(rng) < special_rate)
      x = u(rng) < 0.5 ? -std::numeric_limits<double>::infinity()
                       : std::numeric_limits<double>::quiet_NaN();
  }
  return v;
}

// Block-FMA numerics as the tensor-core presets build them: truncating
// alignment of a block of products and the accumulator, 23 adder fraction
// bits plus `extra`, overflow to Inf.
inline Numerics BlockFma(const char* in, const char* acc, int block, int extra,
                         Rounding mode, std::optional<int> min_align) {
  Numerics n;
  n.a.format = n.b.format = FormatByName(in);
  n.accumulate.format = FormatByName(acc);
  n.accumulate.block = block;
  n.accumulate.alignment = Alignment::kTruncate;
  n.accumulate.extra_bits = extra;
  n.accumulate.adder_fraction_bits = 23;
  n.accumulate.rounding.mode = mode;
  n.accumulate.overflow = Overflow::kInfinity;
  n.accumulate.min_alignment_exponent = min_align;
  n.output.format = FormatByName(acc);
  return n;
}

// The b200-e4m3-fp32 preset's datapath: the block alone is cut and rounded
// toward zero, then added to the accumulator with rne (after_block).
inline Numerics AfterBlock(const char* in, Rounding mode) {
  Numerics n = BlockFma(in, "fp32", 32, 2, mode, -133);
  n.accumulate.accumulator_entry = AccumulatorEntry::kAfterBlock;
  return n;
}

// The same datapath with sticky alignment: every term's lowest kept bit
// ORs the bits cut below it.
inline Numerics Sticky(Numerics n) {
  n.accumulate.sticky = true;
  return n;
}

inline int EminOf(const Format& f) {
  return f.is_float() ? f.min_normal_exponent() : 0;
}

// Runs `kernel` (which must apply) and compares with the oracle; returns
// mismatches and counts elements.
inline int64_t CompareKernel(const char* kernel, const GemmProblem& p,
                             const Numerics& n, int64_t* elements) {
  const GemmKernel* chosen = ChooseGemmKernel(n, p);
  REQUIRE(chosen != nullptr);
  REQUIRE(std::string(chosen->name) == kernel);
  std::vector<double> got(static_cast<size_t>(p.m * p.n));
  std::vector<double> want(got.size());
  RunGemmKernel(chosen, p, n, got.data(), 2);
  RunGemmKernel(nullptr, p, n, want.data(), 1);
  int64_t mismatches = 0;
  for (size_t e = 0; e < got.size(); ++e) {
    ++*elements;
    if (!SameBits(got[e], want[e]) && mismatches++ < 3)
      MESSAGE(std::string(kernel)
              << " " << n.output.format.name() << " "
              << RoundingName(n.output.rounding.mode) << " scale "
              << p.output_scale << " element " << e << ": got " << got[e]
              << " want " << want[e]);
  }
  return mismatches;
}

// `kernel` against the oracle on every instruction-set variant this CPU has
// (isa.h), on operands from random codes of the numerics' input formats
// (Inf/NaN at special_rate), c from fp32 codes scaled by 2^-100 or, with
// huge_c, +-FLT_MAX (accumulators that overflow); first_element keys the
// random bits. Returns mismatches; counts elements.
inline int64_t CompareOnEveryIsa(const char* kernel, const Numerics& n,
                                 int64_t m, int64_t nn, int64_t k,
                                 double special_rate, bool huge_c,
                                 uint64_t first_element, std::mt19937_64& rng,
                                 int64_t* elements) {
  const std::vector<double> a =
      CodeValues(n.a.format, m * k, rng, special_rate);
  const std::vector<double> b =
      CodeValues(n.b.format, k * nn, rng, special_rate);
  std::vector<double> c = CodeValues(FormatByName("fp32"), m * nn, rng, 0);
  for (size_t e = 0; e < c.size(); ++e)
    c[e] = huge_c ? (e % 2 ? 1 : -1) * std::numeric_limits<float>::max()
                  : std::ldexp(c[e], -100);
  GemmProblem p;
  p.m = m, p.n = nn, p.k = k;
  p.a = {a.data(), EminOf(n.a.format), nullptr};
  p.b = {b.data(), EminOf(n.b.format), nullptr};
  p.c = c.data();
  p.first_element = first_element;
  int64_t mismatches = 0;
  for (Isa isa : SupportedIsas()) {
    const ScopedIsa forced(isa);
    mismatches += CompareKernel(kernel, p, n, elements);
  }
  return mismatches;
}

}  // namespace gemmsim::testing
