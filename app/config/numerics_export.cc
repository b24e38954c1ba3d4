// The way back from Numerics to text: JSON for reports, YAML for files. Both
// write every field, defaults included, so a report says exactly what ran
// and a written file does not depend on the defaults of the version that
// reads it.
#include "app/config/format_yaml.h"
#include "app/config/numerics_file.h"
#include "app/config/numerics_schema.h"

namespace gemmsim::app {
namespace {

std::string AccumulatorOverflowName(const AccumulateSpec& acc) {
  if (acc.format.is_float()) return std::string(OverflowName(acc.overflow));
  return acc.integer_overflow == IntegerOverflow::kWrap ? "wrap" : "saturate";
}

nlohmann::json RoundingJson(const RoundingSpec& r) {
  return {{"rounding", std::string(RoundingName(r.mode))},
          {"stochastic_bits", r.stochastic_bits}};
}

nlohmann::json InputJson(const InputSpec& in) {
  nlohmann::json j = RoundingJson(in.encode.rounding);
  j["format"] = FormatToJson(in.format);
  j["overflow"] = std::string(OverflowName(in.encode.overflow));
  j["scaling"] = std::string(ScalingName(in.scaling.kind));
  j["power_of_two"] = in.scaling.power_of_two;
  return j;
}

void EmitRounding(YAML::Emitter& out, const RoundingSpec& r) {
  out << YAML::Key << "rounding" << YAML::Value
      << std::string(RoundingName(r.mode)) << YAML::Key << "stochastic_bits"
      << YAML::Value << r.stochastic_bits;
}

void EmitInput(YAML::Emitter& out, const InputSpec& in) {
  out << YAML::Flow << YAML::BeginMap << YAML::Key << "format" << YAML::Value;
  EmitFormat(out, in.format);
  EmitRounding(out, in.encode.rounding);
  out << YAML::Key << "overflow" << YAML::Value
      << std::string(OverflowName(in.encode.overflow)) << YAML::Key << "scaling"
      << YAML::Value << std::string(ScalingName(in.scaling.kind)) << YAML::Key
      << "power_of_two" << YAML::Value << in.scaling.power_of_two
      << YAML::EndMap;
}

void EmitAccumulate(YAML::Emitter& out, const AccumulateSpec& acc) {
  out << YAML::BeginMap << YAML::Key << "format" << YAML::Value;
  EmitFormat(out, acc.format);
  out << YAML::Key << "block" << YAML::Value;
  if (acc.block == kBlockAll) {
    out << "all";
  } else {
    out << acc.block;
  }
  out << YAML::Key << "alignment" << YAML::Value
      << std::string(AlignmentName(acc.alignment)) << YAML::Key << "extra_bits"
      << YAML::Value << acc.extra_bits;
  if (acc.adder_fraction_bits) {
    out << YAML::Key << "adder_fraction_bits" << YAML::Value
        << *acc.adder_fraction_bits;
  }
  out << YAML::Key << "sticky" << YAML::Value << acc.sticky;
  EmitRounding(out, acc.rounding);
  out << YAML::Key << "overflow" << YAML::Value << AccumulatorOverflowName(acc)
      << YAML::Key << "order" << YAML::Value
      << std::string(OrderName(acc.order)) << YAML::Key << "accumulator_entry"
      << YAML::Value << std::string(AccumulatorEntryName(acc.accumulator_entry))
      << YAML::Key << "after_block_rounding" << YAML::Value
      << std::string(RoundingName(acc.after_block_rounding.mode)) << YAML::Key
      << "after_block_stochastic_bits" << YAML::Value
      << acc.after_block_rounding.stochastic_bits << YAML::Key << "block_scale"
      << YAML::Value << std::string(BlockScaleAtName(acc.block_scale));
  if (acc.promote) {
    out << YAML::Key << "promote" << YAML::Value << YAML::Flow << YAML::BeginMap
        << YAML::Key << "every" << YAML::Value << acc.promote->every
        << YAML::Key << "format" << YAML::Value;
    EmitFormat(out, acc.promote->format);
    EmitRounding(out, acc.promote->rounding);
    out << YAML::EndMap;
  }
  if (acc.min_alignment_exponent) {
    out << YAML::Key << "min_alignment_exponent" << YAML::Value
        << *acc.min_alignment_exponent;
  }
  out << YAML::Key << "subnormal_inputs" << YAML::Value << acc.subnormal_inputs
      << YAML::Key << "subnormal_outputs" << YAML::Value
      << acc.subnormal_outputs << YAML::EndMap;
}

}  // namespace

nlohmann::json NumericsToJson(const Numerics& n) {
  const AccumulateSpec& acc = n.accumulate;
  nlohmann::json a = RoundingJson(acc.rounding);
  a["format"] = FormatToJson(acc.format);
  a["block"] = acc.block == kBlockAll ? nlohmann::json("all")
                                      : nlohmann::json(acc.block);
  a["alignment"] = std::string(AlignmentName(acc.alignment));
  a["extra_bits"] = acc.extra_bits;
  a["adder_fraction_bits"] = acc.adder_fraction_bits
                                 ? nlohmann::json(*acc.adder_fraction_bits)
                                 : nlohmann::json(nullptr);
  a["sticky"] = acc.sticky;
  a["overflow"] = AccumulatorOverflowName(acc);
  a["order"] = std::string(OrderName(acc.order));
  a["accumulator_entry"] =
      std::string(AccumulatorEntryName(acc.accumulator_entry));
  a["after_block_rounding"] =
      std::string(RoundingName(acc.after_block_rounding.mode));
  a["after_block_stochastic_bits"] = acc.after_block_rounding.stochastic_bits;
  a["block_scale"] = std::string(BlockScaleAtName(acc.block_scale));
  a["promote"] = nullptr;
  if (acc.promote) {
    nlohmann::json p = RoundingJson(acc.promote->rounding);
    p["every"] = acc.promote->every;
    p["format"] = FormatToJson(acc.promote->format);
    a["promote"] = p;
  }
  a["min_alignment_exponent"] =
      acc.min_alignment_exponent ? nlohmann::json(*acc.min_alignment_exponent)
                                 : nlohmann::json(nullptr);
  a["subnormal_inputs"] = acc.subnormal_inputs;
  a["subnormal_outputs"] = acc.subnormal_outputs;

  nlohmann::json out = RoundingJson(n.output.rounding);
  out["format"] = FormatToJson(n.output.format);
  out["overflow"] = std::string(OverflowName(n.output.overflow));
  return {{"name", n.name},
          {"seed", n.seed},
          {"inputs", {{"a", InputJson(n.a)}, {"b", InputJson(n.b)}}},
          {"accumulate", a},
          {"output", out}};
}

std::string NumericsToYaml(const Numerics& n) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << n.name
      << YAML::Key << "seed" << YAML::Value << n.seed;
  out << YAML::Key << "inputs" << YAML::Value << YAML::BeginMap << YAML::Key
      << "a" << YAML::Value;
  EmitInput(out, n.a);
  out << YAML::Key << "b" << YAML::Value;
  EmitInput(out, n.b);
  out << YAML::EndMap << YAML::Key << "accumulate" << YAML::Value;
  EmitAccumulate(out, n.accumulate);
  out << YAML::Key << "output" << YAML::Value << YAML::Flow << YAML::BeginMap
      << YAML::Key << "format" << YAML::Value;
  EmitFormat(out, n.output.format);
  EmitRounding(out, n.output.rounding);
  out << YAML::Key << "overflow" << YAML::Value
      << std::string(OverflowName(n.output.overflow)) << YAML::EndMap
      << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace gemmsim::app
