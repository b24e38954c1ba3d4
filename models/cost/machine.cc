#include "models/cost/machine.h"

#include <algorithm>
#include <cctype>

namespace gemmsim::cost {

const char* DataflowName(Dataflow d) {
  return d == Dataflow::kOutputStationary ? "output_stationary"
                                          : "weight_stationary";
}

const char* OverlapName(Overlap o) {
  return o == Overlap::kMax ? "max" : "sum";
}

std::string CanonicalDtype(const std::string& name) {
  std::string s = name;
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (s == "bf16" || s == "bfloat16") return "bf16";
  if (s == "fp16" || s == "f16" || s == "half" || s == "float16") return "fp16";
  if (s == "tf32") return "tf32";
  if (s == "fp32" || s == "f32" || s == "float32") return "fp32";
  if (s == "int8" || s == "i8") return "int8";
  // Every 8-bit float runs on the same FP8 engines.
  if (s == "fp8" || s.starts_with("e4m3") || s.starts_with("e5m2"))
    return "fp8";
  return "";
}

int64_t DtypeBytes(const std::string& canonical) {
  if (canonical == "fp8" || canonical == "int8") return 1;
  if (canonical == "tf32" || canonical == "fp32") return 4;
  return 2;
}

std::string EngineDtype(const Machine& machine, const std::string& dtype) {
  if (machine.dtypes.count(dtype)) return dtype;
  const auto it = machine.fallback.find(dtype);
  return it != machine.fallback.end() && machine.dtypes.count(it->second)
             ? it->second
             : "";
}

std::string DefaultFallback(const Machine& machine, const std::string& dtype) {
  if (dtype != "fp32" || machine.dtypes.count("fp32")) return "";
  for (const char* to : {"tf32", "bf16"})
    if (machine.dtypes.count(to)) return to;
  return "";
}

}  // namespace gemmsim::cost
