// What a numerics file describes (SPEC.md "Accumulation"), as plain values:
// the input formats and their scaling, the accumulator's design and the
// output rounding. The YAML reader lives in the app layer; this layer only
// computes with these values.
#pragma once

#include <optional>
#include <string>

#include "datapaths/formats/block_scaling.h"
#include "datapaths/formats/codec.h"
#include "datapaths/formats/format.h"

namespace gemmsim {

struct InputSpec {
  Format format = FormatByName("fp32");
  EncodeOptions encode;  // how float operands are rounded into `format`
  ScalingSpec scaling;
};

enum class Alignment {
  kExact,     // aligned terms keep every bit
  kTruncate,  // bits below the kept window are dropped (or OR'ed into sticky)
};

enum class Order {
  kSequential,  // k = 0, 1, 2, ...
  kPairwise,    // a balanced adder tree over each block, every node rounded
};

enum class IntegerOverflow { kWrap, kSaturate };

// Where the running accumulator enters the block's addition.
enum class AccumulatorEntry {
  // The block's products and the accumulator go through one multi-term
  // addition (the published tensor-core models).
  kInBlock,
  // The block's products alone go through the multi-term addition (with
  // `alignment`, `rounding`...); its rounded sum is then added to the
  // accumulator in one exactly aligned addition rounded with
  // `after_block_rounding`. B200 FP8 captures need this: its rounding
  // toward zero applies to the products' sum, not to c + sum.
  kAfterBlock,
};

// Where the block scales of mx and nvfp4 inputs (SPEC.md "Block scaling")
// enter the accumulation.
enum class BlockScaleAt {
  // Each product is of scaled elements, (a_k s_a)(b_k s_b): the scales are
  // part of the values (the first model, and software emulations).
  kProduct,
  // Block-scaled MMA hardware (Blackwell tcgen05.mma kinds mxf8f6f4 and
  // mxf4nvf4): each block's products are of the unscaled elements, the
  // block's rounded sum is multiplied by its scales s_a s_b (exactly) and
  // then added to the accumulator (accumulator_entry after_block, whose
  // rounding applies). Needs blocks that lie within one scale block.
  kBlockSum,
};

struct PromoteSpec {
  int every = 0;  // products per chunk
  Format format = FormatByName("fp32");
  RoundingSpec rounding;
};

// One accumulator design (SPEC.md "Accumulation"). The K products are cut
// into chunks of promote.every (one chunk without promote), each chunk into
// blocks of `block`. With accumulator_entry kInBlock, a block and the
// accumulator go through one multi-term addition whose rounded result is the
// new accumulator; with kAfterBlock, the block's rounded sum is formed
// first and then added to the accumulator (see AccumulatorEntry).
struct AccumulateSpec {
  Format format = FormatByName("fp32");  // float, or int<W>
  int block = 1;                         // products per multi-term addition
  Alignment alignment = Alignment::kExact;
  // truncate: aligned terms keep `adder_fraction_bits + extra_bits` bits
  // below the largest term's exponent; the rest is dropped (or OR'ed into a
  // sticky bit). A negative extra_bits also cuts the adder's result to that
  // many fraction bits. adder_fraction_bits defaults to the accumulator's
  // mantissa bits; tensor cores keep 23 even when they accumulate in fp16.
  int extra_bits = 0;
  std::optional<int> adder_fraction_bits;
  bool sticky = false;
  RoundingSpec rounding;
  // Floats: ieee (IEEE 754: a mode rounding toward zero gives max finite),
  // saturate, or infinity (every overflow is +-Inf, as tensor cores do).
  Overflow overflow = Overflow::kIeee;
  IntegerOverflow integer_overflow = IntegerOverflow::kWrap;  // int<W>
  Order order = Order::kSequential;
  AccumulatorEntry accumulator_entry = AccumulatorEntry::kInBlock;
  // kAfterBlock: the rounding of accumulator + block sum (to `format`, with
  // `overflow`); the block sum itself is rounded with `rounding`.
  RoundingSpec after_block_rounding;
  BlockScaleAt block_scale = BlockScaleAt::kProduct;
  std::optional<PromoteSpec> promote;
  // truncate: the alignment exponent never goes below this (the published
  // tensor-core models' minimum alignment exponent).
  std::optional<int> min_alignment_exponent;
  bool subnormal_inputs = true;   // false: subnormal inputs are flushed to 0
  bool subnormal_outputs = true;  // false: subnormal results are flushed to 0
};

struct OutputSpec {
  Format format = FormatByName("fp32");
  RoundingSpec rounding;
  Overflow overflow = Overflow::kIeee;
};

struct Numerics {
  std::string name;  // the preset's name, or the file it came from
  InputSpec a, b;
  AccumulateSpec accumulate;
  OutputSpec output;
  uint64_t seed = 0;  // stochastic rounding anywhere in the datapath
};

std::string_view AlignmentName(Alignment);
std::string_view OrderName(Order);
std::string_view AccumulatorEntryName(AccumulatorEntry);
std::string_view BlockScaleAtName(BlockScaleAt);

}  // namespace gemmsim
