// Helpers of the trace tests: small float32 tensors and manifests in a
// temporary folder.
#pragma once

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "datapaths/error.h"
#include "io/npy.h"
#include "io/tensor.h"

namespace gemmsim::testing {

// A float32 tensor whose element i is `first + i`.
inline io::Tensor Iota(std::vector<int64_t> shape, float first = 0) {
  io::Tensor t;
  t.dtype = io::DType::kF32;
  t.shape = std::move(shape);
  t.data.resize(static_cast<size_t>(t.numel()) * 4);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const float v = first + static_cast<float>(i);
    std::memcpy(t.data.data() + i * 4, &v, 4);
  }
  return t;
}

inline float At(const io::Tensor& t, int64_t i) {
  float v = 0;
  std::memcpy(&v, t.data.data() + i * 4, 4);
  return v;
}

// The message of the gemmsim::Error `f` throws, checking its exit code.
template <typename F>
std::string ErrorOf(F&& f, ExitCode code = ExitCode::kInputFile) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(static_cast<int>(e.code()) == static_cast<int>(code));
    return e.what();
  }
  FAIL("no error thrown");
  return "";
}

}  // namespace gemmsim::testing
