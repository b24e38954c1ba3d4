#include "app/config/format_yaml.h"

#include "datapaths/error.h"

namespace gemmsim::app {
namespace {

constexpr const char* kFormatExpected =
    "a format name or a mapping {exponent_bits, mantissa_bits, bias, "
    "specials, subnormals}";

// The spec format with this layout, if any.
std::optional<Format> SpecFormatLike(const Format& f) {
  for (const std::string& name : SpecFormatNames()) {
    const Format spec = FormatByName(name);
    if (spec == f) return spec;
  }
  return std::nullopt;
}

Format FormatFromMapping(const YamlValue& v) {
  v.CheckKeys(
      {"exponent_bits", "mantissa_bits", "bias", "specials", "subnormals"},
      kFormatExpected);
  FloatLayout l;
  l.exponent_bits = static_cast<int>(v.Require("exponent_bits").Int(1, 11));
  l.mantissa_bits = static_cast<int>(v.Require("mantissa_bits").Int(0, 52));
  l.bias = (1 << (l.exponent_bits - 1)) - 1;  // IEEE's, as e<E>m<M> names
  if (auto bias = v.Get("bias"))
    l.bias = static_cast<int>(bias->Int(-4096, 4096));
  if (auto specials = v.Get("specials")) {
    ParseSpecials(specials->OneOf({"ieee", "fn", "fnuz", "none"}), &l.specials);
  }
  if (auto subnormals = v.Get("subnormals")) l.subnormals = subnormals->Bool();
  try {
    const Format f = Format::Float("", l);
    return SpecFormatLike(f).value_or(f);
  } catch (const Error& e) {
    v.Fail(e.what());
  }
}

}  // namespace

Format ParseFormat(const YamlValue& v) {
  if (v.IsMap()) return FormatFromMapping(v);
  const std::string name = v.Scalar(kFormatExpected);
  try {
    return FormatByName(name);
  } catch (const Error& e) {
    v.Fail(e.what());
  }
}

void EmitFormat(YAML::Emitter& out, const Format& f) {
  bool by_name = false;
  try {
    by_name = FormatByName(f.name()) == f;
  } catch (const Error&) {
    // A name given in code only; the layout below says it all.
  }
  if (by_name || !f.is_float()) {
    out << (by_name
                ? f.name()
                : (f.is_signed() ? "int" : "uint") + std::to_string(f.bits()));
    return;
  }
  const FloatLayout& l = f.layout();
  out << YAML::Flow << YAML::BeginMap                                    //
      << YAML::Key << "exponent_bits" << YAML::Value << l.exponent_bits  //
      << YAML::Key << "mantissa_bits" << YAML::Value << l.mantissa_bits  //
      << YAML::Key << "bias" << YAML::Value << l.bias                    //
      << YAML::Key << "specials" << YAML::Value
      << std::string(SpecialsName(l.specials))  //
      << YAML::Key << "subnormals" << YAML::Value << l.subnormals
      << YAML::EndMap;
}

nlohmann::json FormatToJson(const Format& f) {
  nlohmann::json j = {{"name", f.name()}, {"bits", f.bits()}};
  if (!f.is_float()) {
    j["kind"] = "integer";
    j["signed"] = f.is_signed();
    j["min"] = f.min_value();
    j["max"] = f.max_finite();
    return j;
  }
  const FloatLayout& l = f.layout();
  j["kind"] = "float";
  j["exponent_bits"] = l.exponent_bits;
  j["mantissa_bits"] = l.mantissa_bits;
  j["bias"] = l.bias;
  j["specials"] = SpecialsName(l.specials);
  j["subnormals"] = l.subnormals;
  j["signed"] = l.has_sign;
  j["max_finite"] = f.max_finite();
  j["min_normal"] = f.min_normal();
  j["min_subnormal"] = f.min_subnormal();
  return j;
}

}  // namespace gemmsim::app
