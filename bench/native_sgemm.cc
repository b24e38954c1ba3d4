// The native reference of bench/run_gemm.sh: loads A and B (.npy, float32)
// and multiplies them with OpenBLAS's sgemm, writing D.npy, so that its
// whole-process wall time compares with `gemmsim gemm` on the same files.
// Usage: native_sgemm A.npy B.npy D.npy
#include <cblas.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "io/npy.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: native_sgemm A.npy B.npy D.npy\n");
    return 2;
  }
  const gemmsim::io::Tensor a = gemmsim::io::read_npy(argv[1]);
  const gemmsim::io::Tensor b = gemmsim::io::read_npy(argv[2]);
  if (a.dtype != gemmsim::io::DType::kF32 || b.dtype != gemmsim::io::DType::kF32 ||
      a.shape.size() != 2 || b.shape.size() != 2 || a.shape[1] != b.shape[0]) {
    std::fprintf(stderr, "native_sgemm: expected float32 matrices M x K and K x N\n");
    return 3;
  }
  const int m = static_cast<int>(a.shape[0]), k = static_cast<int>(a.shape[1]),
            n = static_cast<int>(b.shape[1]);
  gemmsim::io::Tensor d;
  d.dtype = gemmsim::io::DType::kF32;
  d.shape = {m, n};
  d.data.resize(static_cast<size_t>(m) * n * 4);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f,
              reinterpret_cast<const float*>(a.data.data()), k,
              reinterpret_cast<const float*>(b.data.data()), n, 0.0f,
              reinterpret_cast<float*>(d.data.data()), n);
  gemmsim::io::write_npy(argv[3], d);
  return 0;
}
