#include "datapaths/arithmetic/dot_product.h"

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "datapaths/arithmetic/multi_term_adder.h"
#include "datapaths/error.h"
#include "datapaths/formats/codec.h"
#include "datapaths/formats/random_stream.h"

namespace gemmsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// IEEE resolution of non-finite inputs, or nullopt when all are finite.
std::optional<double> NonFiniteResult(std::span<const Factor> a,
                                      std::span<const Factor> b, double c) {
  bool pos = false, neg = false;
  auto note = [&](double v) {
    if (std::isnan(v)) pos = neg = true;
    if (std::isinf(v)) (v > 0 ? pos : neg) = true;
  };
  note(c);
  for (size_t k = 0; k < a.size(); ++k) {
    const double x = a[k].value, y = b[k].value;
    if (std::isnan(x) || std::isnan(y)) return kNaN;
    if (std::isinf(x) || std::isinf(y)) {
      if (x == 0 || y == 0) return kNaN;  // 0 * Inf
      note((std::signbit(x) != std::signbit(y)) ? -kInf : kInf);
    }
  }
  if (pos && neg) return kNaN;
  if (pos) return kInf;
  if (neg) return -kInf;
  return std::nullopt;
}

// Converts a value into `format` (rne unless told), keeping NaN/Inf rules.
double Convert(double x, const Format& format, const RoundingSpec& rounding,
               Overflow overflow) {
  EncodeOptions o;
  o.rounding = rounding;
  o.overflow = overflow;
  return Decode(format, Encode(format, x, o));
}

class Accumulation {
 public:
  Accumulation(const Numerics& n, const DotContext& ctx)
      : spec_(n.accumulate),
        after_spec_(AfterBlockSpec(n.accumulate)),
        emin_(spec_.format.is_float() ? spec_.format.min_normal_exponent() : 0),
        key_{n.seed, StreamTensor::kAccumulate},
        index_(ctx.element_index) {}

  uint32_t NextRandom() {
    const bool after = spec_.accumulator_entry == AccumulatorEntry::kAfterBlock;
    return spec_.rounding.mode == Rounding::kStochastic ||
                   (after &&
                    spec_.after_block_rounding.mode == Rounding::kStochastic) ||
                   (spec_.promote &&
                    spec_.promote->rounding.mode == Rounding::kStochastic)
               ? RandomBits(key_, index_, step_++)
               : 0;
  }

  // acc <- acc + products, per the block's order and accumulator entry;
  // `scale` multiplies the block's sum (block_scale block_sum), else 1.
  double AddBlock(std::span<const Term> products, double acc,
                  double scale = 1.0) {
    const bool after = spec_.accumulator_entry == AccumulatorEntry::kAfterBlock;
    // kAfterBlock: the block's additions see no accumulator. -0.0 stands for
    // "none" (AddTerms drops a zero accumulator) and keeps IEEE's signed
    // zeros: a sum of products that are all -0 is -0.
    const double start = after ? -0.0 : acc;
    if (spec_.order == Order::kSequential || products.size() < 2) {
      const double sum = AddTerms(products, start, spec_, NextRandom());
      return after ? AddAfterBlock(sum * scale, acc) : sum;
    }
    // A balanced adder tree: each node adds two terms and rounds.
    std::vector<Term> level(products.begin(), products.end());
    std::optional<double> overflowed;  // a node's Inf (NaN for both signs)
    while (level.size() > 1) {
      std::vector<Term> next;
      for (size_t i = 0; i + 1 < level.size(); i += 2) {
        const Term pair[] = {level[i], level[i + 1]};
        const double node = AddTerms(pair, -0.0, spec_, NextRandom());
        // A Term cannot hold Inf: an overflowed node decides the block.
        if (!std::isfinite(node))
          overflowed = overflowed && *overflowed != node ? kNaN : node;
        next.push_back(
            AccumulatorTerm(std::isfinite(node) ? node : 0.0, emin_));
      }
      if (level.size() % 2) next.push_back(level.back());
      level = std::move(next);
    }
    if (overflowed) return *overflowed;  // acc is finite here
    // The root is already rounded: under kAfterBlock it is the block sum.
    return after ? AddAfterBlock(level[0].value() * scale, acc)
                 : AddTerms(level, acc, spec_, NextRandom());
  }

  double AddToWide(double wide, double acc) {
    const PromoteSpec& p = *spec_.promote;
    AccumulateSpec wide_spec;
    wide_spec.format = p.format;
    wide_spec.rounding = p.rounding;
    wide_spec.overflow = spec_.overflow;
    const int emin = p.format.is_float() ? p.format.min_normal_exponent() : 0;
    const Term t[] = {AccumulatorTerm(acc, emin)};
    return AddTerms(t, wide, wide_spec, NextRandom());
  }

 private:
  // The addition of a block's sum to the accumulator under kAfterBlock: the
  // accumulator's format, overflow and flushing, but exact alignment (the
  // block sum is one term already rounded to the format) and its own
  // rounding.
  static AccumulateSpec AfterBlockSpec(const AccumulateSpec& spec) {
    AccumulateSpec after = spec;
    after.alignment = Alignment::kExact;
    after.rounding = spec.after_block_rounding;
    return after;
  }

  // acc <- round(acc + block_sum), block_sum a value of the format (times
  // a block scale: exact in double, at most 24 + 8 significand bits) or Inf.
  double AddAfterBlock(double block_sum, double acc) {
    if (!std::isfinite(block_sum)) return block_sum;  // acc is finite here
    const Term t[] = {AccumulatorTerm(block_sum, emin_)};
    return AddTerms(t, acc, after_spec_, NextRandom());
  }

  const AccumulateSpec& spec_;
  const AccumulateSpec after_spec_;
  const int emin_;
  RandomKey key_;
  uint64_t index_;
  uint32_t step_ = 0;
};

}  // namespace

double DotProduct(std::span<const Factor> a, std::span<const Factor> b,
                  double c, const Numerics& n, const DotContext& ctx) {
  if (a.size() != b.size())
    throw Error(ExitCode::kInternal, "DotProduct: K differs");
  const AccumulateSpec& spec = n.accumulate;
  const OutputSpec& out = n.output;
  if (const auto special = NonFiniteResult(a, b, c))
    return Convert(*special * ctx.output_scale, out.format, out.rounding,
                   out.overflow);

  // c starts the accumulator (the wide one under promote), rounded to it.
  const Format& start_format =
      spec.promote ? spec.promote->format : spec.format;
  const RoundingSpec rne;
  double wide =
      spec.promote ? Convert(c, start_format, rne, Overflow::kIeee) : 0.0;
  double acc =
      spec.promote ? 0.0 : Convert(c, start_format, rne, Overflow::kIeee);
  if (!spec.subnormal_outputs && start_format.is_float() &&
      std::fabs(spec.promote ? wide : acc) < start_format.min_normal()) {
    (spec.promote ? wide : acc) = 0.0;
  }

  // block_sum: each block lies in one scale block (numerics_schema.cc
  // checks the designs a file can give).
  const bool block_sum = spec.block_scale == BlockScaleAt::kBlockSum;
  if (block_sum && (spec.accumulator_entry != AccumulatorEntry::kAfterBlock ||
                    (ctx.scale_block && ctx.scale_block % spec.block != 0) ||
                    (spec.promote && spec.promote->every % spec.block != 0)))
    throw Error(ExitCode::kInternal, "DotProduct: block_sum blocks");
  auto scale_of = [&](size_t begin) {
    return block_sum && ctx.scale_block
               ? ctx.block_scales[begin / static_cast<size_t>(ctx.scale_block)]
               : 1.0;
  };
  Accumulation run(n, ctx);
  const size_t k_total = a.size();
  const size_t chunk =
      spec.promote ? static_cast<size_t>(spec.promote->every) : k_total;
  const size_t block = static_cast<size_t>(spec.block);
  std::vector<Term> products;
  for (size_t chunk_begin = 0; chunk_begin < k_total || chunk_begin == 0;
       chunk_begin += chunk) {
    const size_t chunk_end = std::min(k_total, chunk_begin + chunk);
    for (size_t begin = chunk_begin; begin < chunk_end; begin += block) {
      const size_t end = std::min(chunk_end, begin + block);
      products.clear();
      for (size_t k = begin; k < end; ++k) {
        Factor fa = a[k], fb = b[k];
        if (!spec.subnormal_inputs) {
          // Flushing subnormal inputs is the factor's business: its
          // align_exponent exceeds its leading bit only when subnormal.
          if (fa.significand && std::ilogb(fa.value) < fa.align_exponent)
            fa.significand = 0;
          if (fb.significand && std::ilogb(fb.value) < fb.align_exponent)
            fb.significand = 0;
        }
        products.push_back(Multiply(fa, fb));
      }
      acc = run.AddBlock(products, acc, scale_of(begin));
      if (!std::isfinite(acc)) break;
    }
    if (spec.promote) {
      // A Term cannot hold Inf, so an overflowed chunk or wide sum is added
      // as IEEE does: Inf stays Inf, and Infs of both signs make NaN (a
      // later chunk can overflow the other way, so only NaN ends the loop).
      wide = std::isfinite(acc) && std::isfinite(wide)
                 ? run.AddToWide(wide, acc)
                 : wide + acc;
      acc = 0.0;
      if (std::isnan(wide)) break;
    } else if (!std::isfinite(acc)) {
      break;
    }
    if (chunk_end >= k_total) break;
  }
  const double total = spec.promote ? wide : acc;
  if (!std::isfinite(total))
    return Convert(total * ctx.output_scale, out.format, out.rounding,
                   out.overflow);
  // d = round(total * output_scale): the product is formed exactly.
  using BigInt = boost::multiprecision::cpp_int;
  const Factor t = MakeFactor(total, 0), s = MakeFactor(ctx.output_scale, 0);
  const BigInt m = BigInt(t.significand) * s.significand;
  std::vector<uint64_t> words;
  export_bits(m, std::back_inserter(words), 64, false);
  if (words.empty()) words.push_back(0);
  const int fraction =
      out.format.is_float() ? out.format.layout().mantissa_bits : 0;
  return RoundExact(
      t.negative != s.negative, words, t.exponent + s.exponent, out.format,
      fraction, out.rounding, out.overflow, true,
      RandomBits({n.seed, StreamTensor::kOutput}, ctx.element_index));
}

}  // namespace gemmsim
