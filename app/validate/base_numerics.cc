#include "app/validate/base_numerics.h"

#include <cmath>

#include "app/config/numerics_file.h"
#include "app/tensor_values.h"
#include "app/trace/evaluate.h"
#include "datapaths/error.h"
#include "datapaths/formats/codec.h"

namespace gemmsim::app {
namespace {

bool Holds(const Format& f, double v) {
  if (std::isnan(v)) return f.has_nan();
  return RoundTo(f, v, EncodeOptions{}) == v;
}

bool HoldsAll(const Format& f, const std::vector<double>& values) {
  for (double v : values)
    if (!Holds(f, v)) return false;
  return true;
}

std::vector<double> ValuesOf(const OperandTensor& t, const TraceGemm& gemm) {
  if (!HoldsFloatValues(t.tensor.dtype)) {
    throw ConfigError(gemm.place + ": GEMM " + gemm.name + ": " + t.name +
                      " holds codes, whose format cannot be inferred: give "
                      "--numerics (or numerics: in the trace)");
  }
  return FloatValues(t.tensor, t.name);
}

// A narrow float dtype names its format; wide ones need their values.
bool IsWide(io::DType d) {
  return d == io::DType::kF32 || d == io::DType::kF64;
}

}  // namespace

std::string BaseNumerics::Flags(const std::vector<std::string>& more) const {
  std::string text = "--numerics " + numerics_arg;
  for (const std::string& s : sets) text += " --set '" + s + "'";
  for (const std::string& s : more) text += " --set '" + s + "'";
  return text;
}

std::string NarrowestFormatHolding(const std::vector<double>& values) {
  for (const char* name : {"e4m3fn", "e5m2", "fp16", "bf16", "tf32", "fp32"}) {
    if (HoldsAll(FormatByName(name), values)) return name;
  }
  return "fp64";
}

BaseNumerics ResolveBaseNumerics(const std::string& numerics_option,
                                 const std::vector<std::string>& sets,
                                 const TraceGemm& gemm,
                                 const TraceOperands* operands, bool infer) {
  BaseNumerics base;
  if (!numerics_option.empty() || !gemm.numerics.empty()) {
    base.numerics_arg =
        numerics_option.empty() ? gemm.numerics : numerics_option;
    base.origin =
        numerics_option.empty() ? "the GEMM's numerics" : "--numerics";
    base.sets = sets;
    base.numerics = LoadNumerics(base.numerics_arg, base.sets);
    return base;
  }
  if (!infer || !operands || !operands->observed) {
    throw ConfigError(gemm.place + ": GEMM " + gemm.name +
                      " has observed outputs but no numerics: give "
                      "--numerics N (or numerics: in the trace), or "
                      "--search to look for them");
  }
  const OperandTensor& a = operands->a;
  const OperandTensor& b = operands->b;
  std::vector<double> wide;  // values of the operands given as f4/f8
  for (const OperandTensor* t : {&a, &b}) {
    if (!IsWide(t->tensor.dtype)) continue;
    const std::vector<double> v = ValuesOf(*t, gemm);
    wide.insert(wide.end(), v.begin(), v.end());
  }
  const std::string common = NarrowestFormatHolding(wide);
  auto format_of = [&](const OperandTensor& t) {
    if (IsWide(t.tensor.dtype)) return common;
    ValuesOf(t, gemm);  // codes: the error above
    return FloatFormatOf(t.tensor.dtype)->name();
  };
  const std::vector<double> observed = ObservedValues(*operands);
  const std::string output =
      HoldsAll(FormatByName("fp16"), observed) ? "fp16" : "fp32";
  base.numerics_arg = "exact";
  base.origin = "inferred";
  base.sets = {"inputs.a=" + format_of(a), "inputs.b=" + format_of(b),
               "output.format=" + output};
  base.sets.insert(base.sets.end(), sets.begin(), sets.end());
  base.numerics = LoadNumerics(base.numerics_arg, base.sets);
  return base;
}

}  // namespace gemmsim::app
