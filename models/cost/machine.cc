#include "models/cost/machine.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace gemmsim::cost {

const char* DataflowName(Dataflow d) {
  return d == Dataflow::kOutputStationary ? "output_stationary"
                                          : "weight_stationary";
}

const char* OverlapName(Overlap o) {
  return o == Overlap::kMax ? "max" : "sum";
}

namespace {

struct DtypeInfo {
  const char* name;
  const char* canonical;  // the engines it runs on
  int bits;               // per element, packed
  int64_t block;          // elements per scale along K; 0: none
  int tensor_scale_bytes;
};

// Every format of SpecFormatNames (datapaths/formats/format.cc; a test
// checks the two agree, this library does not link the formats), the
// canonical names and the block-scaled names. The bits are the formats'
// own: sub-byte formats are stored packed.
constexpr DtypeInfo kDtypes[] = {
    {"bf16", "bf16", 16, 0, 0},   {"fp16", "fp16", 16, 0, 0},
    {"tf32", "tf32", 32, 0, 0},  // stored as fp32
    {"fp32", "fp32", 32, 0, 0},   {"fp64", "fp64", 64, 0, 0},
    {"int8", "int8", 8, 0, 0},    {"uint8", "int8", 8, 0, 0},
    {"int4", "int4", 4, 0, 0},    {"fp8", "fp8", 8, 0, 0},
    {"e5m2", "fp8", 8, 0, 0},     {"e4m3fn", "fp8", 8, 0, 0},
    {"e4m3", "fp8", 8, 0, 0},     {"e4m3fnuz", "fp8", 8, 0, 0},
    {"e5m2fnuz", "fp8", 8, 0, 0}, {"e4m3b11fnuz", "fp8", 8, 0, 0},
    {"e3m4", "fp8", 8, 0, 0},     {"e8m0fnu", "fp8", 8, 0, 0},
    {"fp6", "fp6", 6, 0, 0},      {"e3m2fn", "fp6", 6, 0, 0},
    {"e2m3fn", "fp6", 6, 0, 0},   {"fp4", "fp4", 4, 0, 0},
    {"e2m1fn", "fp4", 4, 0, 0},   {"mxfp8", "fp8", 8, 32, 0},
    {"mxfp6", "fp6", 6, 32, 0},   {"mxfp4", "fp4", 4, 32, 0},
    {"nvfp4", "fp4", 4, 16, 4},
};

std::string Lower(const std::string& name) {
  std::string s = name;
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

const DtypeInfo* Find(const std::string& name) {
  std::string s = Lower(name);
  if (s == "bfloat16") s = "bf16";
  if (s == "f16" || s == "half" || s == "float16") s = "fp16";
  if (s == "f32" || s == "float32") s = "fp32";
  if (s == "f64" || s == "float64") s = "fp64";
  if (s == "i8") s = "int8";
  // Variants such as e4m3_b7_fn (mapping formats' names) are 8-bit floats.
  if (s.starts_with("e4m3") || s.starts_with("e5m2")) s = "e4m3";
  for (const DtypeInfo& d : kDtypes)
    if (s == d.name) return &d;
  return nullptr;
}

}  // namespace

std::string CanonicalDtype(const std::string& name) {
  const DtypeInfo* d = Find(name);
  return d ? d->canonical : "";
}

const std::string& DtypeChoices() {
  static const std::string choices = [] {
    std::string s;
    for (const DtypeInfo& d : kDtypes)
      s += (s.empty() ? "" : ", ") + std::string(d.name);
    return s;
  }();
  return choices;
}

OperandStorage StorageOf(const std::string& dtype) {
  const DtypeInfo* d = Find(dtype);
  if (!d) return {};
  // Every block scale is one byte (E8M0 for MX, E4M3 for NVFP4).
  return {d->bits / 8.0, d->block, d->block ? 1.0 : 0.0,
          static_cast<double>(d->tensor_scale_bytes)};
}

double OperandBytes(const OperandStorage& s, int64_t rows, int64_t k) {
  double bytes = static_cast<double>(rows) * k * s.element_bytes;
  if (s.block > 0)
    bytes += static_cast<double>(rows) * ((k + s.block - 1) / s.block) *
             s.scale_bytes;
  return bytes + s.tensor_bytes;
}

double DtypeBytes(const std::string& dtype) {
  return StorageOf(dtype).element_bytes;
}

std::string EngineDtype(const Machine& machine, const std::string& dtype) {
  if (machine.dtypes.count(dtype)) return dtype;
  const auto it = machine.fallback.find(dtype);
  return it != machine.fallback.end() && machine.dtypes.count(it->second)
             ? it->second
             : "";
}

std::string DefaultFallback(const Machine& machine, const std::string& dtype) {
  if (machine.dtypes.count(dtype)) return "";
  std::vector<const char*> order;
  if (dtype == "fp32") order = {"tf32", "bf16"};
  if (dtype == "fp6" || dtype == "fp4") order = {"fp8", "bf16", "fp16"};
  if (dtype == "int4") order = {"int8", "bf16"};
  for (const char* to : order)
    if (machine.dtypes.count(to)) return to;
  return "";
}

}  // namespace gemmsim::cost
