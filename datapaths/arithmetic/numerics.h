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

struct PromoteSpec {
  int every = 0;  // products per chunk
  Format format = FormatByName("fp32");
  RoundingSpec rounding;
};

struct AccumulateSpec {
  Format format = FormatByName("fp32");  // float, or int<W>
  int block = 1;                         // products per multi-term addition
  Alignment alignment = Alignment::kExact;
  int extra_bits = 0;   // kept below the accumulator's significand (truncate)
  bool sticky = false;  // truncate: OR the dropped bits into one sticky bit
  RoundingSpec rounding;
  Order order = Order::kSequential;
  IntegerOverflow integer_overflow = IntegerOverflow::kWrap;
  std::optional<PromoteSpec> promote;
  // Block-FMA model details (the tensor-core papers): the alignment exponent
  // never goes below this, subnormal inputs may be flushed, subnormal
  // results may be flushed.
  std::optional<int> min_alignment_exponent;
  bool subnormal_inputs = true;
  bool subnormal_outputs = true;
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

}  // namespace gemmsim
