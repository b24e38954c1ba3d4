#include "tests/validate/capture_gemm.h"

#include <fmt/format.h>

#include <cstring>

#include "io/npy.h"
#include "tests/arithmetic/capture_reader.h"

namespace gemmsim::testing {
namespace {

app::OperandTensor Float32Tensor(const std::string& name,
                                 std::vector<int64_t> shape,
                                 const std::vector<float>& values) {
  app::OperandTensor t;
  t.name = name;
  t.tensor.dtype = io::DType::kF32;
  t.tensor.shape = std::move(shape);
  t.tensor.data.resize(values.size() * sizeof(float));
  std::memcpy(t.tensor.data.data(), values.data(), t.tensor.data.size());
  return t;
}

}  // namespace

app::TraceOperands CaptureOperands(const std::string& input,
                                   const std::string& output, int samples) {
  const CaptureSet set = ReadCaptures("H100", input, output);
  const int64_t s = samples > 0 ? std::min<int64_t>(samples, set.size())
                                : static_cast<int64_t>(set.size());
  const int64_t k = static_cast<int64_t>(set.a[0].size());
  std::vector<float> a, b, c, d;
  for (int64_t i = 0; i < s; ++i) {
    a.insert(a.end(), set.a[i].begin(), set.a[i].end());
    b.insert(b.end(), set.b[i].begin(), set.b[i].end());
    c.push_back(set.c[i]);
    d.push_back(set.d[i]);
  }
  app::TraceOperands ops;
  ops.a = Float32Tensor(input + "_a", {s, 1, k}, a);
  ops.b = Float32Tensor(input + "_b", {s, k, 1}, b);
  const bool fp8 = input == "E4M3" || input == "E5M2";
  // H100 FP8 (fp32 output) ran WGMMA with a zero accumulator (README).
  if (!fp8 || output == "fp16")
    ops.c = Float32Tensor(input + "_c", {s, 1, 1}, c);
  ops.observed = Float32Tensor(input + "_d", {s, 1, 1}, d);
  return ops;
}

std::string WriteCaptureGemm(const app::TraceOperands& operands,
                             const std::string& dir, const std::string& name,
                             const std::string& numerics) {
  const int64_t s = operands.a.tensor.shape[0];
  const int64_t k = operands.a.tensor.shape[2];
  std::string yaml = fmt::format(
      "  - name: {}\n    m: 1\n    n: 1\n    k: {}\n    batch: {}\n", name, k,
      s);
  auto put = [&](const char* key, const app::OperandTensor& t) {
    const std::string file = name + "_" + key + ".npy";
    io::write_npy(dir + "/" + file, t.tensor);
    yaml += fmt::format("    {}: {}\n", key, file);
  };
  put("a", operands.a);
  put("b", operands.b);
  if (operands.c) put("c", *operands.c);
  put("observed", *operands.observed);
  if (!numerics.empty()) yaml += "    numerics: " + numerics + "\n";
  return yaml;
}

}  // namespace gemmsim::testing
