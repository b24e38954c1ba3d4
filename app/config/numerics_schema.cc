#include "app/config/numerics_schema.h"

#include "app/config/format_yaml.h"
#include "datapaths/error.h"

namespace gemmsim::app {
namespace {

// The keys of each mapping (NumericsKeyPaths lists them all).
constexpr std::string_view kDocumentKeys[] = {"name", "seed", "inputs",
                                              "accumulate", "output"};
constexpr std::string_view kInputsKeys[] = {"a", "b"};
constexpr std::string_view kInputKeys[] = {"format",          "rounding",
                                           "stochastic_bits", "overflow",
                                           "scaling",         "power_of_two"};
constexpr std::string_view kPromoteKeys[] = {"every", "format", "rounding",
                                             "stochastic_bits"};
constexpr std::string_view kAccumulateKeys[] = {"format",
                                                "block",
                                                "alignment",
                                                "extra_bits",
                                                "adder_fraction_bits",
                                                "sticky",
                                                "rounding",
                                                "stochastic_bits",
                                                "overflow",
                                                "order",
                                                "accumulator_entry",
                                                "after_block_rounding",
                                                "after_block_stochastic_bits",
                                                "block_scale",
                                                "promote",
                                                "min_alignment_exponent",
                                                "subnormal_inputs",
                                                "subnormal_outputs"};
constexpr std::string_view kOutputKeys[] = {"format", "rounding",
                                            "stochastic_bits", "overflow"};

const std::vector<std::string>& RoundingNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (Rounding r : {Rounding::kNearestEven, Rounding::kNearestAway,
                       Rounding::kTowardZero, Rounding::kUp, Rounding::kDown,
                       Rounding::kToOdd, Rounding::kStochastic})
      n.emplace_back(RoundingName(r));
    return n;
  }();
  return names;
}

Overflow ParseFloatOverflow(const YamlValue& v) {
  return *ParseOverflow(v.OneOf({"ieee", "saturate", "infinity"}));
}

// `rounding` and `stochastic_bits`, two keys of the same mapping.
RoundingSpec ParseRoundingKeys(const YamlValue& map) {
  RoundingSpec spec;
  if (auto r = map.Get("rounding"))
    spec.mode = *ParseRounding(r->OneOf(RoundingNames()));
  if (auto bits = map.Get("stochastic_bits"))
    spec.stochastic_bits = static_cast<int>(bits->Int(1, 32));
  return spec;
}

// Products are formed exactly in 64 bits (datapaths/arithmetic/term.h
// Multiply): each input significand may hold at most 32 bits. A wider input
// (fp64, e<E>m<M> with M >= 32, int64) would give wrong products silently.
Format ParseInputFormat(const YamlValue& v) {
  const Format f = ParseFormat(v);
  const int significand =
      f.is_float() ? f.layout().mantissa_bits + 1 : f.bits();
  if (significand > 32) {
    v.Fail("an input format of " + std::to_string(significand) +
           " significand bits: expected at most 32 (fp32, tf32, bf16, fp16, "
           "the 8-bit and smaller formats, e<E>m<M> with M <= 31, int<W> "
           "with W <= 32), so that every product is exact");
  }
  return f;
}

InputSpec ParseInput(const YamlValue& v) {
  InputSpec in;
  if (!v.IsMap()) {
    in.format = ParseInputFormat(v);
    return in;
  }
  v.CheckKeys(kInputKeys,
              "a format name or an input mapping {format, rounding, "
              "stochastic_bits, overflow, scaling, power_of_two}");
  in.format = ParseInputFormat(v.Require("format"));
  in.encode.rounding = ParseRoundingKeys(v);
  if (auto o = v.Get("overflow")) in.encode.overflow = ParseFloatOverflow(*o);
  const auto scaling = v.Get("scaling");
  if (scaling) {
    in.scaling.kind =
        *ParseScaling(scaling->OneOf({"none", "per_tensor", "mx", "nvfp4"}));
  }
  if (auto p2 = v.Get("power_of_two")) in.scaling.power_of_two = p2->Bool();
  try {
    ValidateScaling(in.format, in.scaling);
  } catch (const Error& e) {
    (scaling ? *scaling : v).Fail(e.what());
  }
  return in;
}

PromoteSpec ParsePromote(const YamlValue& v) {
  v.CheckKeys(kPromoteKeys,
              "a promote mapping {every, format, rounding, stochastic_bits}");
  PromoteSpec p;
  p.every = static_cast<int>(
      v.Require("every").Int(1, std::numeric_limits<int>::max()));
  if (auto f = v.Get("format")) p.format = ParseFormat(*f);
  p.rounding = ParseRoundingKeys(v);
  return p;
}

void ParseAccumulatorOverflow(const YamlValue& v, AccumulateSpec* acc) {
  if (acc->format.is_float()) {
    acc->overflow = ParseFloatOverflow(v);
    return;
  }
  const std::string o = v.OneOf({"wrap", "saturate"});
  acc->integer_overflow =
      o == "wrap" ? IntegerOverflow::kWrap : IntegerOverflow::kSaturate;
}

AccumulateSpec ParseAccumulate(const YamlValue& v) {
  v.CheckKeys(kAccumulateKeys, "an accumulate mapping");
  AccumulateSpec acc;
  if (auto f = v.Get("format")) acc.format = ParseFormat(*f);
  if (auto b = v.Get("block")) {
    const bool all = b->IsScalar() && b->node().Scalar() == "all";
    acc.block =
        all ? kBlockAll
            : static_cast<int>(b->Int(1, kBlockAll, "an integer >= 1, or all"));
  }
  if (auto a = v.Get("alignment")) {
    acc.alignment = a->OneOf({"exact", "truncate"}) == "exact"
                        ? Alignment::kExact
                        : Alignment::kTruncate;
  }
  // Bounds far beyond any datapath, only to keep shifts and sums sane.
  if (auto e = v.Get("extra_bits"))
    acc.extra_bits = static_cast<int>(e->Int(-1000, 1000));
  if (auto f = v.Get("adder_fraction_bits"))
    acc.adder_fraction_bits = static_cast<int>(f->Int(0, 1000));
  if (auto s = v.Get("sticky")) acc.sticky = s->Bool();
  acc.rounding = ParseRoundingKeys(v);
  if (auto o = v.Get("overflow")) ParseAccumulatorOverflow(*o, &acc);
  if (auto o = v.Get("order")) {
    acc.order = o->OneOf({"sequential", "pairwise"}) == "sequential"
                    ? Order::kSequential
                    : Order::kPairwise;
  }
  if (auto e = v.Get("accumulator_entry")) {
    acc.accumulator_entry = e->OneOf({"in_block", "after_block"}) == "in_block"
                                ? AccumulatorEntry::kInBlock
                                : AccumulatorEntry::kAfterBlock;
  }
  // Read whatever the entry: a written file carries every field, and a
  // --set may switch the entry after the rounding was given.
  if (auto r = v.Get("after_block_rounding")) {
    acc.after_block_rounding.mode = *ParseRounding(r->OneOf(RoundingNames()));
  }
  if (auto bits = v.Get("after_block_stochastic_bits")) {
    acc.after_block_rounding.stochastic_bits =
        static_cast<int>(bits->Int(1, 32));
  }
  if (auto b = v.Get("block_scale")) {
    acc.block_scale = b->OneOf({"product", "block_sum"}) == "product"
                          ? BlockScaleAt::kProduct
                          : BlockScaleAt::kBlockSum;
  }
  if (auto p = v.Get("promote")) acc.promote = ParsePromote(*p);
  if (auto m = v.Get("min_alignment_exponent"))
    acc.min_alignment_exponent = static_cast<int>(m->Int(-100000, 100000));
  if (auto s = v.Get("subnormal_inputs")) acc.subnormal_inputs = s->Bool();
  if (auto s = v.Get("subnormal_outputs")) acc.subnormal_outputs = s->Bool();

  // SPEC.md "Accumulation": the pairwise tree is over each block's
  // products, so at block 1 it would be sequential without saying so.
  if (acc.order == Order::kPairwise && acc.block == 1) {
    v.Require("order").Fail(
        "pairwise adds a balanced tree over each block's products, and at "
        "accumulate.block 1 (the default) that is the same as sequential; "
        "expected accumulate.block > 1 (block: all for one tree over all of "
        "K)");
  }
  // A truncating adder must keep at least the bit at the largest exponent.
  const int mantissa =
      acc.format.is_float() ? acc.format.layout().mantissa_bits : 0;
  const int width = acc.adder_fraction_bits.value_or(mantissa) + acc.extra_bits;
  if (acc.alignment == Alignment::kTruncate && width < 0) {
    v.Require("extra_bits")
        .Fail("leaves the adder " + std::to_string(width) +
              " fraction bits (adder_fraction_bits " +
              std::to_string(acc.adder_fraction_bits.value_or(mantissa)) +
              " + extra_bits " + std::to_string(acc.extra_bits) +
              "): expected at least 0");
  }
  return acc;
}

OutputSpec ParseOutput(const YamlValue& v) {
  OutputSpec out;
  if (!v.IsMap()) {
    out.format = ParseFormat(v);
    return out;
  }
  v.CheckKeys(kOutputKeys,
              "a format name or an output mapping {format, rounding, "
              "stochastic_bits, overflow}");
  out.format = ParseFormat(v.Require("format"));
  out.rounding = ParseRoundingKeys(v);
  if (auto o = v.Get("overflow")) out.overflow = ParseFloatOverflow(*o);
  return out;
}

// accumulate.block_scale block_sum (numerics.h, BlockScaleAt): a block's
// sum is scaled by its blocks' scales, so every block of products must lie
// within one scale block of each block-scaled input, and the sum must meet
// the accumulator after the block.
void CheckBlockSumScales(const Numerics& n, const YamlValue& at) {
  const AccumulateSpec& acc = n.accumulate;
  const int size_a = ScalingBlockSize(n.a.scaling.kind),
            size_b = ScalingBlockSize(n.b.scaling.kind);
  if (size_a == 0 && size_b == 0) {
    at.Fail(
        "block_sum scales each block's sum by the inputs' block scales, and "
        "neither input has any; expected inputs.a or inputs.b with scaling "
        "mx or nvfp4 (or block_scale: product)");
  }
  if (size_a && size_b && size_a != size_b) {
    at.Fail(
        "block_sum needs one scale block along K, but inputs.a's blocks "
        "have " +
        std::to_string(size_a) + " elements and inputs.b's " +
        std::to_string(size_b) + "; expected the same scaling on both inputs");
  }
  const int scale_block = std::max(size_a, size_b);
  // The scaled sum must be exact in double: a sum of the accumulator's
  // significand times two e4m3 scales (8 bits; e8m0 scales are powers of 2).
  const bool float_acc = acc.format.is_float();
  if (!float_acc || acc.format.layout().mantissa_bits + 1 + 8 > 53) {
    at.Fail(
        "block_sum scales each block's sum exactly, which needs a float "
        "accumulator of at most 44 mantissa bits; accumulate.format is " +
        acc.format.name());
  }
  if (acc.accumulator_entry != AccumulatorEntry::kAfterBlock) {
    at.Fail(
        "block_sum multiplies a block's sum by its scales before the sum "
        "meets the accumulator; expected accumulate.accumulator_entry: "
        "after_block");
  }
  if (acc.block == kBlockAll || scale_block % acc.block != 0) {
    at.Fail(
        "block_sum needs each block of products inside one scale block "
        "of " +
        std::to_string(scale_block) + " elements, but accumulate.block is " +
        (acc.block == kBlockAll ? std::string("all")
                                : std::to_string(acc.block)) +
        "; expected a divisor of " + std::to_string(scale_block));
  }
  if (acc.promote && acc.promote->every % acc.block != 0) {
    at.Fail(
        "block_sum needs blocks aligned to the scale blocks, but "
        "accumulate.promote.every " +
        std::to_string(acc.promote->every) + " cuts a block of " +
        std::to_string(acc.block) +
        "; expected a multiple of accumulate.block");
  }
}

}  // namespace

Numerics NumericsFromYaml(const YamlValue& doc) {
  doc.CheckKeys(kDocumentKeys,
                "a numerics mapping {name, seed, inputs, accumulate, output}");
  Numerics n;
  if (auto name = doc.Get("name")) n.name = name->Scalar("a name");
  if (auto seed = doc.Get("seed")) n.seed = seed->UInt64();
  if (auto inputs = doc.Get("inputs")) {
    inputs->CheckKeys(kInputsKeys, "an inputs mapping {a, b}");
    if (auto a = inputs->Get("a")) n.a = ParseInput(*a);
    if (auto b = inputs->Get("b")) n.b = ParseInput(*b);
  }
  if (auto acc = doc.Get("accumulate")) n.accumulate = ParseAccumulate(*acc);
  if (auto out = doc.Get("output")) n.output = ParseOutput(*out);
  if (n.accumulate.block_scale == BlockScaleAt::kBlockSum)
    CheckBlockSumScales(n, doc.Require("accumulate").Require("block_scale"));
  return n;
}

std::vector<std::string> NumericsKeyPaths() {
  std::vector<std::string> paths;
  auto add = [&](const std::string& prefix, auto&& keys) {
    for (std::string_view k : keys) paths.push_back(prefix + std::string(k));
  };
  for (std::string_view key : kDocumentKeys) {
    const std::string k(key);
    if (k == "inputs") {
      for (std::string_view in : kInputsKeys)
        add("inputs." + std::string(in) + ".", kInputKeys);
    } else if (k == "accumulate") {
      for (std::string_view a : kAccumulateKeys) {
        if (a == "promote")
          add("accumulate.promote.", kPromoteKeys);
        else
          paths.push_back("accumulate." + std::string(a));
      }
    } else if (k == "output") {
      add("output.", kOutputKeys);
    } else {
      paths.push_back(k);
    }
  }
  return paths;
}

}  // namespace gemmsim::app
